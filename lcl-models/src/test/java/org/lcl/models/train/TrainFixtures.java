package org.lcl.models.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.train.data.SyntheticData;
import org.lcl.torch.Device;


/** A micro LCL config (gpt2 ids, 32 px, N = 4, ctx 16) and training configs over it, for fast trainer tests. */
final class TrainFixtures {

    static final String MODEL = Path.of("src/test/resources/train/lcl-micro.json").toAbsolutePath().toString();

    private TrainFixtures() {}

    static TrainConfig config(Path logs, String name, int epochs, int batch, long samples, double lr, int accum, Precision p) {
        var data = new TrainConfig.DataOptions("synthetic", null, null, samples, false, batch, 1, true, null, null, 0.5, false,
                "gpt2", null);
        var optim = new TrainConfig.OptimOptions(epochs, lr, 0.9, 0.98, 1e-6, 0.2, 2, "cosine", 0, 0, 1, accum, null, p, false,
                false, false, 0.1, 1.0, 3);
        var run = new TrainConfig.RunOptions(logs, name, 1, true, false, null, null, 1, false);
        return new TrainConfig(MODEL, data, optim, run, Device.CPU, 0);
    }

    static SyntheticData synthetic(int batch, long samples, long seed) {
        return new SyntheticData(new InterleavedWrapper(Tokenizers.create("gpt2", null), 16, 4, 0.5), batch, samples, 32, seed);
    }

    /** Records every step's report. */
    static final class Recorder implements TrainListener {
        final List<StepReport> steps = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();

        @Override
        public void onStep(StepReport r) {
            steps.add(r);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }

        List<Double> totals() {
            return steps.stream().map(StepReport::total).toList();
        }
    }

    /** Training data over explicit batches (held by the caller), the same every epoch. */
    static TrainData batches(List<BatchTensors> batches, long samplesPerEpoch) {
        return new TrainData() {
            @Override
            public long numBatches() {
                return batches.size();
            }

            @Override
            public long numSamples() {
                return samplesPerEpoch;
            }

            @Override
            public BatchSource open(int epoch) {
                return new BatchSource() {
                    int next;

                    @Override
                    public long numBatches() {
                        return batches.size();
                    }

                    @Override
                    public long numSamples() {
                        return samplesPerEpoch;
                    }

                    @Override
                    public Map<String, Long> skipped() {
                        return Map.of();
                    }

                    @Override
                    public boolean hasNext() {
                        return next < batches.size();
                    }

                    @Override
                    public TrainBatch next() {
                        BatchTensors b = batches.get(next++);
                        return new TrainBatch() {
                            @Override
                            public int batchSize() {
                                return (int) b.ids().size(0);
                            }

                            @Override
                            public int numImages() {
                                return (int) b.images().size(0);
                            }

                            @Override
                            public BatchTensors toTensors(Device device) {
                                return new BatchTensors(b.images().detach(), b.ids().detach());
                            }

                            @Override
                            public void close() {
                            }
                        };
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

}
