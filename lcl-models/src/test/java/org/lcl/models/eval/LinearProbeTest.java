package org.lcl.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class LinearProbeTest {

    private static final int D = 16;
    private static final int CLASSES = 4;

    /** n unit vectors: class c's direction plus noise, labels given or drawn at random. */
    private static LabeledFeatures features(int n, long seed, boolean randomLabels) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] f = new float[n * D];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % CLASSES;
            double norm = 0;
            for (int k = 0; k < D; k++) {
                double v = (k == c ? 1.0 : 0.0) + 0.3 * rng.nextGaussian();
                f[i * D + k] = (float) v;
                norm += v * v;
            }
            for (int k = 0; k < D; k++) {
                f[i * D + k] /= (float) Math.sqrt(norm);
            }
            labels[i] = randomLabels ? rng.nextInt(CLASSES) : c;
        }
        return LabeledFeatures.of(f, n, D, labels, CLASSES);
    }

    @Test
    void separableFeaturesAreLearned() {
        LinearProbe.Result r = LinearProbe.fit(features(400, 1, false), features(200, 2, false), LinearProbe.Options.DEFAULT);
        assertTrue(r.metrics().acc1() > 0.97, "acc1 " + r.metrics());
        assertTrue(r.metrics().meanPerClassRecall() > 0.97, "recall " + r.metrics());
        assertEquals(1.0, r.metrics().acc5());  // 4 classes: top-4 always holds the label
        assertEquals(200, r.metrics().samples());
        assertEquals(400, r.trainSamples());
        assertTrue(r.finalLoss() < 0.3, "final loss " + r.finalLoss());
    }

    @Test
    void randomLabelsStayNearChance() {
        LinearProbe.Result r = LinearProbe.fit(features(400, 3, true), features(400, 4, true), LinearProbe.Options.DEFAULT);
        assertTrue(r.metrics().acc1() < 0.4, "acc1 on random labels " + r.metrics());
    }

    @Test
    void sameSeedSameResult() {
        LinearProbe.Options o = LinearProbe.Options.DEFAULT.withEpochs(2).withSeed(7);
        LinearProbe.Result a = LinearProbe.fit(features(100, 5, false), features(100, 6, true), o);
        LinearProbe.Result b = LinearProbe.fit(features(100, 5, false), features(100, 6, true), o);
        assertEquals(a.finalLoss(), b.finalLoss());
        assertEquals(a.metrics(), b.metrics());
    }
}
