package org.lcl.models.eval;

import java.util.List;

import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * Image features of a split with their labels: {@code features} is [count, dim] row-major
 * float32 (L2-normalised when made by {@link FeatureExtractor}); {@code skipped} images could
 * not be read or decoded ({@code skipReasons} holds the first few, naming the file).
 */
public record LabeledFeatures(float[] features, int count, int dim, int[] labels, int numClasses, int skipped, List<String> skipReasons) {

    public LabeledFeatures {
        if (count < 0 || dim <= 0 || numClasses <= 0) {
            throw new IllegalArgumentException("bad feature shape: " + count + " x " + dim + ", " + numClasses + " classes");
        }
        if (features.length != (long) count * dim) {
            throw new IllegalArgumentException("features has " + features.length + " values, expected " + count + " x " + dim);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " features");
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside 0.." + (numClasses - 1));
            }
        }
        skipReasons = List.copyOf(skipReasons);
    }

    /** Features without skipped samples. */
    public static LabeledFeatures of(float[] features, int count, int dim, int[] labels, int numClasses) {
        return new LabeledFeatures(features, count, dim, labels, numClasses, 0, List.of());
    }

    /** The features as a float32 CPU tensor [count, dim] in the caller's scope. */
    public Tensor featureTensor() {
        return Torch.tensor(features, count, dim);
    }

    /** The labels as an int64 CPU tensor [count] in the caller's scope. */
    public Tensor labelTensor() {
        long[] l = new long[count];
        for (int i = 0; i < count; i++) {
            l[i] = labels[i];
        }
        return Torch.tensor(l, count);
    }
}
