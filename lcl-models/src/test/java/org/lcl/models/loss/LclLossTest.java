package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.models.loss.LossFixtures.assertGrad;
import static org.lcl.models.loss.LossFixtures.assertValue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lcl.models.model.LclOutput;
import org.lcl.torch.Autocast;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** LclLoss against make_loss_fixtures.py (one process). */
class LclLossTest {

    private static LossFixtures fx;

    @BeforeAll
    static void load() {
        fx = new LossFixtures();
    }

    /** The fixture's inputs under prefix as leaves, the loss of {@code loss} on them, compared with expected. */
    private static void check(LclLoss loss, String in, String expected) {
        try (Scope s = Scope.open()) {
            Tensor image = fx.leaf(in + "image");
            Tensor text = fx.leaf(in + "text");
            Tensor p = fx.leaf(in + "logit_scale_param");
            Tensor logits = fx.leaf(in + "logits");
            LossOutput out = loss.compute(new LclOutput(image, text, p.exp(), logits, fx.get(in + "labels")));
            assertValue(expected + "contrastive_loss", out.contrastiveLoss(), fx.get(expected + "contrastive_loss"));
            assertValue(expected + "caption_loss", out.captionLoss(), fx.get(expected + "caption_loss"));
            assertValue(expected + "total", out.total(), fx.get(expected + "total"));
            assertEquals(DType.FLOAT32, out.contrastiveLoss().dtype());
            assertEquals(List.of("contrastive_loss", "caption_loss"), List.copyOf(out.terms().keySet()));
            out.total().backward();
            assertGrad(expected + "grad.image", image.grad(), fx.get(expected + "grad.image"));
            assertGrad(expected + "grad.text", text.grad(), fx.get(expected + "grad.text"));
            assertGrad(expected + "grad.logit_scale_param", p.grad(), fx.get(expected + "grad.logit_scale_param"));
            assertGrad(expected + "grad.logits", logits.grad(), fx.get(expected + "grad.logits"));
        }
    }

    @Test
    void defaultWeights() {
        LclLoss loss = new LclLoss();
        assertEquals(0.1, loss.contrastiveWeight());
        assertEquals(1.0, loss.generationWeight());
        check(loss, "lcl.", "lcl.default.");
    }

    @Test
    void otherWeights() {
        check(new LclLoss(0.5, 2.0), "lcl.", "lcl.weighted.");
    }

    /** M = 0 (every image's <soi> at position 0): the contrastive term is 0, not NaN, and backward still works. */
    @Test
    void noPairs() {
        check(new LclLoss(), "lcl0.", "lcl0.");
        try (Scope s = Scope.open()) {
            Tensor none = Torch.zeros(0, 8).requiresGrad_();
            Tensor scale = Torch.scalar(14.0).requiresGrad_();
            Tensor con = ContrastiveLoss.local(none, none, scale, PaddedFeatures.gather(FeatureGather.singleProcess(), none, none, true));
            assertEquals(0.0, con.item());
            con.backward();
            assertEquals(0.0, scale.grad().item());
        }
    }

    /** T = 0 and all-ignored labels give a generation loss of 0, not NaN (the mean of nothing). */
    @Test
    void noGenerationTargets() {
        try (Scope s = Scope.open()) {
            Tensor empty = Torch.zeros(0, 11).requiresGrad_();
            Tensor g = LclLoss.generation(empty, Torch.tensor(new long[0], 0));
            assertEquals(0.0, g.item());
            g.backward();
            Tensor logits = Torch.randn(3, 11).requiresGrad_();
            Tensor ignored = LclLoss.generation(logits, Torch.tensor(new long[] {0, 0, 0}, 3));
            assertEquals(0.0, ignored.item());
            ignored.backward();
            assertEquals(0.0, logits.grad().abs().max().item());
        }
    }

    /** Weight 0 skips the contrastive term (as the reference): it is 0 even for features that would give NaN. */
    @Test
    void zeroContrastiveWeight() {
        try (Scope s = Scope.open()) {
            Tensor nan = Torch.full(Double.NaN, 2, 8);
            Tensor logits = fx.get("lcl.logits").to(DType.FLOAT32);
            LossOutput out = new LclLoss(0.0, 1.0).compute(nan, nan, Torch.scalar(1.0), logits, fx.get("lcl.labels"));
            assertEquals(0.0, out.contrastiveLoss().item());
            assertEquals(out.captionLoss().item(), out.total().item());
            assertValue("caption_loss", out.captionLoss(), fx.get("lcl.default.caption_loss"));
        }
    }

    /** Under bf16 autocast the contrastive logits stay float32: same values as without autocast. */
    @Test
    void contrastiveIgnoresAutocast() {
        try (Scope s = Scope.open()) {
            Tensor image = fx.get("lcl.image").to(DType.FLOAT32);
            Tensor text = fx.get("lcl.text").to(DType.FLOAT32);
            Tensor scale = fx.get("lcl.logit_scale_param").to(DType.FLOAT32).exp();
            Tensor logits = fx.get("lcl.logits").to(DType.FLOAT32);
            Tensor labels = fx.get("lcl.labels");
            LclLoss loss = new LclLoss();
            double plain = loss.compute(image, text, scale, logits, labels).contrastiveLoss().item();
            try (Autocast a = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
                assertEquals(DType.BFLOAT16, image.matmul(text.t()).dtype(), "autocast is not active for matmul on CPU; the test would prove nothing");
                LossOutput out = loss.compute(image, text, scale, logits, labels);
                assertEquals(DType.FLOAT32, out.contrastiveLoss().dtype());
                assertEquals(plain, out.contrastiveLoss().item(), 1e-7);
                assertTrue(Autocast.isEnabled(Device.Type.CPU), "the loss must restore autocast");
            }
        }
    }

    @Test
    void badShapes() {
        try (Scope s = Scope.open()) {
            assertThrows(IllegalArgumentException.class, () -> LclLoss.generation(Torch.zeros(3, 5), Torch.tensor(new long[] {1, 2}, 2)));
            assertThrows(IllegalArgumentException.class, () -> new LclLoss().compute(Torch.zeros(3, 4), Torch.zeros(2, 4), Torch.scalar(1.0),
                    Torch.zeros(1, 5), Torch.tensor(new long[] {1}, 1)));
            assertThrows(IllegalArgumentException.class, () -> new LclLoss(-1, 1));
        }
    }
}
