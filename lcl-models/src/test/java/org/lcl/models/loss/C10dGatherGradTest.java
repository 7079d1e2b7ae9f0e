package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lcl.models.train.dist.C10dFeatureGather;
import org.lcl.models.train.dist.ThreadRanks;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * The contrastive losses on a real Gloo group of two ranks (threads) against the computation in
 * one process, in float64: with gather-with-grad each rank's feature gradients equal the
 * gradient of the sum of all ranks' losses (what GatherLayer's all-reduce delivers); detached,
 * only its own loss's gradient through the rows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class C10dGatherGradTest {

    private static final int D = 4;
    private static final double SCALE = 3.0;

    /** Rank r's features [counts[r], D]: image and text, from a fixed Java seed. */
    private static double[][][] features(long[] counts) {
        Random rnd = new Random(7);
        double[][][] f = new double[counts.length][2][];
        for (int r = 0; r < counts.length; r++) {
            for (int k = 0; k < 2; k++) {
                f[r][k] = new double[(int) counts[r] * D];
                for (int i = 0; i < f[r][k].length; i++) {
                    f[r][k][i] = rnd.nextGaussian();
                }
            }
        }
        return f;
    }

    private static Tensor leaf(double[] v, long rows) {
        return Torch.tensor(v, rows, D).requiresGrad_();
    }

    private static Tensor scaleLeaf() {
        return Torch.scalar(SCALE, TensorOptions.of(DType.FLOAT64)).requiresGrad_();
    }

    private interface Loss {
        Tensor of(FeatureGather g, Tensor image, Tensor text, Tensor scale);
    }

    private static Loss lcl(boolean withGrad) {
        return (g, i, t, s) -> {
            Tensor noLogits = Torch.zeros(TensorOptions.of(DType.FLOAT64), 0, 5);
            Tensor noLabels = Torch.zeros(TensorOptions.of(DType.INT64), 0);
            return new LclLoss(1.0, 0.0, g, withGrad).compute(i, t, s, noLogits, noLabels).total();
        };
    }

    private static Loss clip(boolean localLoss, boolean withGrad) {
        return (g, i, t, s) -> new ClipLoss(g, localLoss, withGrad).contrastive(i, t, s);
    }

    /** Per rank: [loss, grad image..., grad text..., grad scale] from the c10d run. */
    private static List<double[]> distributed(long[] counts, Loss loss) throws Exception {
        double[][][] f = features(counts);
        return ThreadRanks.run(counts.length, pg -> {
            int r = pg.rank();
            Tensor image = leaf(f[r][0], counts[r]);
            Tensor text = leaf(f[r][1], counts[r]);
            Tensor scale = scaleLeaf();
            Tensor l = loss.of(new C10dFeatureGather(pg, Device.CPU), image, text, scale);
            l.backward();
            return flat(l, image, text, scale);
        });
    }

    /**
     * The same in one process: every rank's loss computed with a simulated gather whose other
     * entries stay connected to their ranks' features; with gather-with-grad rank r's gradients
     * are those of the sum of all losses, detached those of its own loss.
     */
    private static List<double[]> simulated(long[] counts, Loss loss, boolean withGrad) {
        double[][][] f = features(counts);
        long max = java.util.Arrays.stream(counts).max().orElseThrow();
        int w = counts.length;
        List<double[]> out = new ArrayList<>();
        try (Scope s = Scope.open()) {
            List<Tensor> images = new ArrayList<>();
            List<Tensor> texts = new ArrayList<>();
            List<Tensor> scales = new ArrayList<>();
            for (int r = 0; r < w; r++) {
                images.add(leaf(f[r][0], counts[r]));
                texts.add(leaf(f[r][1], counts[r]));
                scales.add(scaleLeaf());
            }
            List<Tensor> losses = new ArrayList<>();
            Tensor sum = null;
            for (int r = 0; r < w; r++) {
                SimulatedGather g = SimulatedGather.view(r, images, texts, max);
                Tensor l = loss.of(g, images.get(r), texts.get(r), scales.get(r));
                losses.add(l);
                sum = sum == null ? l : sum.add(l);
            }
            if (withGrad) {
                sum.backward();
            } else {
                for (Tensor l : losses) {
                    l.backward();
                }
            }
            for (int r = 0; r < w; r++) {
                out.add(flat(losses.get(r), images.get(r), texts.get(r), scales.get(r)));
            }
        }
        return out;
    }

    private static double[] flat(Tensor loss, Tensor image, Tensor text, Tensor scale) {
        double[] gi = image.grad().contiguous().toDoubleArray();
        double[] gt = text.grad().contiguous().toDoubleArray();
        double[] out = new double[2 + gi.length + gt.length];
        out[0] = loss.item();
        System.arraycopy(gi, 0, out, 1, gi.length);
        System.arraycopy(gt, 0, out, 1 + gi.length, gt.length);
        out[out.length - 1] = scale.grad().item();
        return out;
    }

    private static void assertSame(String what, List<double[]> expected, List<double[]> actual) {
        for (int r = 0; r < expected.size(); r++) {
            double[] e = expected.get(r);
            double[] a = actual.get(r);
            assertEquals(e.length, a.length, what + " rank " + r);
            double worst = 0;
            boolean nonZero = false;
            for (int i = 0; i < e.length; i++) {
                worst = Math.max(worst, Math.abs(e[i] - a[i]));
                nonZero |= i > 0 && e[i] != 0;
            }
            assertTrue(nonZero, what + ": no gradient to compare");
            assertTrue(worst < 1e-12, what + " rank " + r + ": loss and gradients differ by " + worst);
        }
    }

    @Test
    void lclGatherWithGradUnequalCounts() throws Exception {
        long[] counts = {2, 3};
        assertSame("LCL gather-with-grad", simulated(counts, lcl(true), true), distributed(counts, lcl(true)));
    }

    @Test
    void lclDetachedGather() throws Exception {
        long[] counts = {3, 1};
        assertSame("LCL detached", simulated(counts, lcl(false), false), distributed(counts, lcl(false)));
    }

    @Test
    void clipLossModes() throws Exception {
        long[] counts = {3, 3};
        assertSame("CLIP local gather-with-grad", simulated(counts, clip(true, true), true), distributed(counts, clip(true, true)));
        assertSame("CLIP global gather-with-grad", simulated(counts, clip(false, true), true), distributed(counts, clip(false, true)));
        assertSame("CLIP local detached", simulated(counts, clip(true, false), false), distributed(counts, clip(true, false)));
        assertSame("CLIP global detached", simulated(counts, clip(false, false), false), distributed(counts, clip(false, false)));
    }

    /** Equal counts: the two ranks' gather-with-grad gradients are twice those of one process over the whole batch (DDP then averages). */
    @Test
    void lclGatherWithGradEqualsOneProcessOverTheWholeBatch() throws Exception {
        long[] counts = {3, 3};
        List<double[]> ranks = distributed(counts, lcl(true));
        double[][][] f = features(counts);
        try (Scope s = Scope.open()) {
            double[] img = new double[6 * D];
            double[] txt = new double[6 * D];
            System.arraycopy(f[0][0], 0, img, 0, 3 * D);
            System.arraycopy(f[1][0], 0, img, 3 * D, 3 * D);
            System.arraycopy(f[0][1], 0, txt, 0, 3 * D);
            System.arraycopy(f[1][1], 0, txt, 3 * D, 3 * D);
            Tensor image = leaf(img, 6);
            Tensor text = leaf(txt, 6);
            Tensor scale = scaleLeaf();
            Tensor l = lcl(true).of(FeatureGather.singleProcess(), image, text, scale);
            l.backward();
            double[] gi = image.grad().toDoubleArray();
            double[] gt = text.grad().toDoubleArray();
            assertEquals(l.item(), (ranks.get(0)[0] + ranks.get(1)[0]) / 2, 1e-12);
            double worst = 0;
            for (int r = 0; r < 2; r++) {
                double[] g = ranks.get(r);
                for (int i = 0; i < 3 * D; i++) {
                    worst = Math.max(worst, Math.abs(g[1 + i] - 2 * gi[r * 3 * D + i]));
                    worst = Math.max(worst, Math.abs(g[1 + 3 * D + i] - 2 * gt[r * 3 * D + i]));
                }
            }
            double scaleGrads = ranks.get(0)[ranks.get(0).length - 1] + ranks.get(1)[ranks.get(1).length - 1];
            worst = Math.max(worst, Math.abs(scaleGrads - 2 * scale.grad().item()));
            assertTrue(worst < 1e-12, "gradients differ from one process by " + worst);
        }
    }
}
