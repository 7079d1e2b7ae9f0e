package org.lcl.models.train.data;

import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.PairedBatchLoader;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.WebDataset;
import org.lcl.models.train.TrainData;

/** {@code --dataset-type webdataset}: LAION-style shards through the paired loader, one loader per epoch. */
public final class WebDatasetData implements TrainData {

    private final WebDataset dataset;
    private final InterleavedWrapper wrapper;
    private final ImageTransform transform;
    private final int rank;

    public WebDatasetData(WebDataset dataset, InterleavedWrapper wrapper, ImageTransform transform, int rank) {
        this.dataset = dataset;
        this.wrapper = wrapper;
        this.transform = transform;
        this.rank = rank;
    }

    public WebDataset dataset() {
        return dataset;
    }

    @Override
    public long numBatches() {
        return dataset.plan().numWorkerBatches() * dataset.plan().numWorkers();
    }

    @Override
    public long numSamples() {
        return dataset.plan().numSamples();
    }

    @Override
    public BatchSource open(int epoch) {
        return new PairedBatchLoader(dataset, wrapper, transform, PairedBatchLoader.Options.of(epoch, rank));
    }
}
