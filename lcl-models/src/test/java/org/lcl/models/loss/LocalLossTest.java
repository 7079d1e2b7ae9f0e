package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.models.loss.LossFixtures.assertGrad;
import static org.lcl.models.loss.LossFixtures.assertValue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * LCL's padded local loss with three processes (3, 0 and 2 pairs) simulated in one, each rank's
 * view against make_loss_fixtures.py.
 */
class LocalLossTest {

    private static final int WORLD = 3;
    private static LossFixtures fx;

    @BeforeAll
    static void load() {
        fx = new LossFixtures();
    }

    private static List<Tensor> leaves(String kind) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < WORLD; k++) {
            out.add(fx.leaf("ranks." + kind + "." + k));
        }
        return out;
    }

    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {0, 1, 2})
    void rankView(int rank) {
        try (Scope s = Scope.open()) {
            List<Tensor> images = leaves("image");
            List<Tensor> texts = leaves("text");
            Tensor p = fx.leaf("ranks.logit_scale_param");
            FeatureGather g = SimulatedGather.view(rank, images, texts, 3);
            PaddedFeatures all = PaddedFeatures.gather(g, images.get(rank), texts.get(rank), true);
            Tensor loss = ContrastiveLoss.local(images.get(rank), texts.get(rank), p.exp(), all);
            String key = "ranks." + rank + ".";
            assertValue(key + "loss", loss, fx.get(key + "loss"));
            loss.backward();
            assertGrad(key + "grad.logit_scale_param", p.grad(), fx.get(key + "grad.logit_scale_param"));
            for (int k = 0; k < WORLD; k++) {
                assertGrad(key + "grad.image." + k, images.get(k).grad(), fx.get(key + "grad.image." + k));
                assertGrad(key + "grad.text." + k, texts.get(k).grad(), fx.get(key + "grad.text." + k));
            }
        }
    }

    /** Without gather-with-grad every column is detached, this rank's block too: gradient through the rows only. */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {0, 2})
    void rankViewWithoutGatherGrad(int rank) {
        try (Scope s = Scope.open()) {
            List<Tensor> images = leaves("image");
            List<Tensor> texts = leaves("text");
            Tensor p = fx.leaf("ranks.logit_scale_param");
            FeatureGather g = SimulatedGather.view(rank, images, texts, 3);
            PaddedFeatures all = PaddedFeatures.gather(g, images.get(rank), texts.get(rank), false);
            Tensor loss = ContrastiveLoss.local(images.get(rank), texts.get(rank), p.exp(), all);
            String key = "ranks." + rank + ".";
            assertValue(key + "loss", loss, fx.get(key + "loss"));
            loss.backward();
            assertGrad(key + "nograd.grad.image", images.get(rank).grad(), fx.get(key + "nograd.grad.image"));
            assertGrad(key + "nograd.grad.text", texts.get(rank).grad(), fx.get(key + "nograd.grad.text"));
            for (int k = 0; k < WORLD; k++) {
                if (k != rank) {
                    assertNull(images.get(k).grad(), "rank " + k + " image features got gradient");
                    assertNull(texts.get(k).grad(), "rank " + k + " text features got gradient");
                }
            }
        }
    }

    /** Rank 2's columns: its own 2 pairs + 1 pad, then rank 0's 3, then rank 1's 3 pads. */
    @Test
    void columnLayout() {
        try (Scope s = Scope.open()) {
            List<Tensor> images = leaves("image");
            List<Tensor> texts = leaves("text");
            PaddedFeatures all = PaddedFeatures.gather(SimulatedGather.view(2, images, texts, 3), images.get(2), texts.get(2), true);
            assertArrayEquals(new boolean[] {false, false, true, false, false, false, true, true, true}, all.paddedColumns().toBooleanArray());
            assertArrayEquals(new long[] {9, 8}, all.imageFeatures().shape());
            assertTrue(all.imageFeatures().narrow(0, 0, 2).equal(images.get(2)));
            assertTrue(all.textFeatures().narrow(0, 3, 3).equal(texts.get(0)));
            assertEquals(0.0, all.imageFeatures().narrow(0, 2, 1).abs().max().item());
            assertEquals(0.0, all.textFeatures().narrow(0, 6, 3).abs().max().item());
        }
    }

    /** One process: the columns are the features themselves, nothing padded. */
    @Test
    void singleProcessIsIdentity() {
        try (Scope s = Scope.open()) {
            Tensor image = fx.leaf("lcl.image");
            Tensor text = fx.leaf("lcl.text");
            PaddedFeatures all = PaddedFeatures.gather(FeatureGather.singleProcess(), image, text, true);
            assertTrue(all.imageFeatures().equal(image.detach()));
            assertTrue(all.textFeatures().equal(text.detach()));
            assertArrayEquals(new boolean[4], all.paddedColumns().toBooleanArray());
        }
    }
}
