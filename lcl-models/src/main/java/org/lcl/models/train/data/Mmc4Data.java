package org.lcl.models.train.data;

import java.nio.file.Path;

import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.Mmc4BatchLoader;
import org.lcl.models.data.loader.PairedBatchLoader;
import org.lcl.models.data.mmc4.Mmc4Config;
import org.lcl.models.data.mmc4.Mmc4Stats;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.EpochPlan;
import org.lcl.models.train.TrainConfig;
import org.lcl.models.train.TrainData;

/** {@code --dataset-type mmc4}: interleaved documents under ROOT (data/, images/) through the MMC4 loader. */
public final class Mmc4Data implements TrainData {

    private final Mmc4Config config;
    private final Tokenizer tokenizer;
    private final ImageTransform transform;
    private final Mmc4Stats stats = new Mmc4Stats();
    private final EpochPlan plan;
    private final int rank;

    private Mmc4Data(Mmc4Config config, Tokenizer tokenizer, ImageTransform transform, EpochPlan plan, int rank) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.transform = transform;
        this.plan = plan;
        this.rank = rank;
    }

    /** The reference's MMC4 rules with the run's context length, image tokens, seed and partitioning. */
    public static Mmc4Data create(TrainConfig cfg, Tokenizer tokenizer, int contextLength, int numImageTokens, int imageSize,
                                  int rank, int worldSize) {
        TrainConfig.DataOptions d = cfg.data();
        Mmc4Config mc = Mmc4Config.defaults(Path.of(d.trainData()), cfg.seed()).withContextLength(contextLength)
                .withNumImageTokens(numImageTokens).withGlobalDistributed(d.dataGlobalDistributed());
        EpochPlan plan = Mmc4BatchLoader.plan(mc, d.trainNumSamples(), d.batchSize(), worldSize, Math.max(1, d.workers()));
        return new Mmc4Data(mc, tokenizer, ImageTransform.train(imageSize), plan, rank);
    }

    public Mmc4Stats stats() {
        return stats;
    }

    @Override
    public long numBatches() {
        return plan.numWorkerBatches() * plan.numWorkers();
    }

    @Override
    public long numSamples() {
        return plan.numSamples();
    }

    @Override
    public BatchSource open(int epoch) {
        // One buffer per worker: an MMC4 buffer holds batch x 6 images.
        return new Mmc4BatchLoader(config, tokenizer, transform, stats, plan, new PairedBatchLoader.Options(epoch, rank, 4, 1));
    }
}
