package org.lcl.models.train.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lcl.torch.Checkpoint;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * DDP's averaging semantics, synchronous and overlapped with backward, on two Gloo ranks whose
 * graphs differ: p0 and p2 used by both, p1 by rank 0 only (it gets half of rank 0's gradient on
 * both ranks), p3 by none (left without a gradient, reported unused).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BucketedAllReduceTest {

    private record Grads(List<float[]> grads, List<Integer> unused, long overlapped) {
    }

    private static float[] gradOrNull(Tensor p) {
        Tensor g = p.grad();
        return g == null ? null : g.toFloatArray();
    }

    /** Three steps (the hooks learn the unused parameters after the first); the last step's gradients. */
    private static List<Grads> run(long bucketBytes, boolean overlap, boolean checkpointP2) throws Exception {
        return ThreadRanks.run(2, pg -> {
            int r = pg.rank();
            List<Tensor> ps = List.of(Torch.tensor(new float[] {1, 2, 3, 4}).requiresGrad_(),
                    Torch.tensor(new float[] {1, -1, 2}).requiresGrad_(), Torch.tensor(new float[] {5, 6}).requiresGrad_(),
                    Torch.tensor(new float[] {7, 8}).requiresGrad_());
            // p2 reached twice, the second time inside a checkpoint's recomputation (a nested backward)
            Checkpoint twice = new Checkpoint(x -> x.mul(ps.get(2)));
            BucketedAllReduce all = new BucketedAllReduce(pg, bucketBytes, overlap);
            List<Integer> unused = null;
            for (int step = 0; step < 3; step++) {
                for (Tensor p : ps) {
                    p.setGrad(null);
                }
                Tensor loss = ps.get(0).mul(r + 1.0).sum().add(ps.get(2).mul(r == 0 ? 3.0 : 6.0).sum());
                if (r == 0) {
                    loss = loss.add(ps.get(1).mul(ps.get(1)).mul(2.0).sum());
                }
                if (checkpointP2) {
                    // the input requires grad: otherwise the reentrant checkpoint has no backward at all
                    loss = loss.add(twice.apply(Torch.ones(2).requiresGrad_()).sum());
                }
                all.beforeFinalBackward(ps);
                loss.backward();
                unused = all.averageGradients(ps);
            }
            return new Grads(ps.stream().map(BucketedAllReduceTest::gradOrNull).toList(), unused, all.overlappedBuckets());
        });
    }

    @ParameterizedTest(name = "bucket {0} B, overlap {1}, checkpointed p2 {2}")
    @CsvSource({"8, false, false", "8, true, false", "1000000, true, false", "8, false, true", "8, true, true", "1000000, true, true"})
    void averagesLikeDdpWithUnusedParameters(long bucketBytes, boolean overlap, boolean checkpointP2) throws Exception {
        List<Grads> ranks = run(bucketBytes, overlap, checkpointP2);
        float extra = checkpointP2 ? 1 : 0; // d/dp2 of sum(ones * p2), on both ranks
        for (Grads g : ranks) {
            assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f, 1.5f}, g.grads().get(0));
            assertArrayEquals(new float[] {2, -2, 4}, g.grads().get(1)); // (4 * p1 + nothing) / 2
            assertArrayEquals(new float[] {4.5f + extra, 4.5f + extra}, g.grads().get(2));
            assertNull(g.grads().get(3));
            assertEquals(List.of(3), g.unused());
            if (overlap && !checkpointP2) {
                assertTrue(g.overlapped() > 0, "no bucket started during backward");
            } else if (!overlap) {
                assertEquals(0, g.overlapped());
            }
        }
    }
}
