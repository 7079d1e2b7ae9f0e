package org.lcl.models.train.data;

import java.util.Map;

import org.lcl.models.data.loader.BatchSource;
import org.lcl.models.data.loader.BatchTensors;
import org.lcl.models.data.loader.TrainBatch;
import org.lcl.models.data.webdataset.InterleavedWrapper;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.models.train.TrainData;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * {@code --dataset-type synthetic}: as OpenCLIP's SyntheticDataset, one fixed batch repeated
 * (made once from the seed), so a run measures the model and not the data. Images are
 * standard-normal [B, 3, S, S]; each row of ids is the interleaved wrapper's sequence of the
 * caption "synthetic caption {row}", image first or text first as the wrapper draws
 * (or, without a wrapper, the plain tokenized caption at the model's context length).
 */
public final class SyntheticData implements TrainData {

    private final int batchSize;
    private final long numSamples;
    private final long numBatches;
    private final int imageSize;
    private final float[] images;
    private final long[] ids;
    private final int contextLength;

    public SyntheticData(InterleavedWrapper wrapper, int batchSize, long numSamples, int imageSize, long seed) {
        this(wrapper, batchSize, numSamples, imageSize, seed, 1);
    }

    /** One rank of worldSize: numSamples is the epoch over all ranks (as OpenCLIP's DistributedSampler splits it). */
    public SyntheticData(InterleavedWrapper wrapper, int batchSize, long numSamples, int imageSize, long seed, int worldSize) {
        if (numSamples < (long) batchSize * worldSize) {
            throw new IllegalArgumentException("--train-num-samples " + numSamples + " is less than one batch of " + batchSize
                    + (worldSize > 1 ? " on each of " + worldSize + " processes" : ""));
        }
        this.batchSize = batchSize;
        this.numSamples = numSamples;
        this.numBatches = numSamples / ((long) batchSize * worldSize);
        this.imageSize = imageSize;
        this.contextLength = wrapper.contextLength();
        Rng rng = new Rng(Rng.mix(0x53594E54L, seed));
        this.images = new float[batchSize * 3 * imageSize * imageSize];
        java.util.Random gaussian = new java.util.Random(rng.nextLong());
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) gaussian.nextGaussian();
        }
        this.ids = new long[batchSize * contextLength];
        for (int r = 0; r < batchSize; r++) {
            int[] row = wrapper.sequence("synthetic caption " + r, wrapper.drawImageFirst(rng));
            for (int j = 0; j < contextLength; j++) {
                ids[r * contextLength + j] = row[j];
            }
        }
    }

    @Override
    public long numBatches() {
        return numBatches;
    }

    @Override
    public long numSamples() {
        return numSamples;
    }

    @Override
    public BatchSource open(int epoch) {
        return new BatchSource() {
            private long delivered;

            @Override
            public long numBatches() {
                return numBatches;
            }

            @Override
            public long numSamples() {
                return numSamples;
            }

            @Override
            public Map<String, Long> skipped() {
                return Map.of();
            }

            @Override
            public boolean hasNext() {
                return delivered < numBatches;
            }

            @Override
            public TrainBatch next() {
                delivered++;
                return new Batch();
            }

            @Override
            public void close() {
            }
        };
    }

    private final class Batch implements TrainBatch {
        @Override
        public int batchSize() {
            return batchSize;
        }

        @Override
        public int numImages() {
            return batchSize;
        }

        @Override
        public BatchTensors toTensors(Device device) {
            Tensor img = Torch.tensor(images, batchSize, 3, imageSize, imageSize);
            Tensor idt = Torch.tensor(ids, batchSize, contextLength);
            if (device.type() != Device.Type.CPU) {
                img = img.to(device);
                idt = idt.to(device);
            }
            return new BatchTensors(img, idt);
        }

        @Override
        public void close() {
        }
    }
}
