package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.lcl.models.loss.LossFixtures.assertGrad;
import static org.lcl.models.loss.LossFixtures.assertValue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lcl.models.model.ClipOutput;
import org.lcl.torch.Autocast;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** OpenCLIP's ClipLoss against make_loss_fixtures.py: one process, and two simulated ones. */
class ClipLossTest {

    private static LossFixtures fx;

    @BeforeAll
    static void load() {
        fx = new LossFixtures();
    }

    @Test
    void singleProcess() {
        try (Scope s = Scope.open()) {
            Tensor image = fx.leaf("clip.image");
            Tensor text = fx.leaf("clip.text");
            Tensor p = fx.leaf("clip.logit_scale_param");
            LossOutput out = new ClipLoss().compute(new ClipOutput(image, text, p.exp(), null));
            assertValue("clip.loss", out.contrastiveLoss(), fx.get("clip.loss"));
            assertEquals(out.contrastiveLoss().item(), out.total().item());
            assertNull(out.captionLoss());
            assertEquals(List.of("contrastive_loss"), List.copyOf(out.terms().keySet()));
            out.total().backward();
            assertGrad("clip.grad.image", image.grad(), fx.get("clip.grad.image"));
            assertGrad("clip.grad.text", text.grad(), fx.get("clip.grad.text"));
            assertGrad("clip.grad.logit_scale_param", p.grad(), fx.get("clip.grad.logit_scale_param"));
        }
    }

    private static List<Tensor> leaves(String kind) {
        return List.of(fx.leaf("clipranks." + kind + ".0"), fx.leaf("clipranks." + kind + ".1"));
    }

    /** --local-loss --gather-with-grad: rows local, columns in rank order, targets offset by N·rank. */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {0, 1})
    void localLoss(int rank) {
        try (Scope s = Scope.open()) {
            List<Tensor> images = leaves("image");
            List<Tensor> texts = leaves("text");
            ClipLoss loss = new ClipLoss(SimulatedGather.view(rank, images, texts, 0), true, true);
            Tensor l = loss.contrastive(images.get(rank), texts.get(rank), fx.leaf("clipranks.logit_scale_param").exp());
            String key = "clipranks." + rank + ".local.";
            assertValue(key + "loss", l, fx.get(key + "loss"));
            l.backward();
            for (int k = 0; k < 2; k++) {
                assertGrad(key + "grad.image." + k, images.get(k).grad(), fx.get(key + "grad.image." + k));
                assertGrad(key + "grad.text." + k, texts.get(k).grad(), fx.get(key + "grad.text." + k));
            }
        }
    }

    /** Global logits without gather-with-grad: this rank's block keeps its gradient, the others have none. */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {0, 1})
    void globalLoss(int rank) {
        try (Scope s = Scope.open()) {
            List<Tensor> images = leaves("image");
            List<Tensor> texts = leaves("text");
            ClipLoss loss = new ClipLoss(SimulatedGather.view(rank, images, texts, 0), false, false);
            Tensor l = loss.contrastive(images.get(rank), texts.get(rank), fx.leaf("clipranks.logit_scale_param").exp());
            String key = "clipranks." + rank + ".global.";
            assertValue(key + "loss", l, fx.get(key + "loss"));
            l.backward();
            assertGrad(key + "grad.image", images.get(rank).grad(), fx.get(key + "grad.image"));
            assertGrad(key + "grad.text", texts.get(rank).grad(), fx.get(key + "grad.text"));
            assertNull(images.get(1 - rank).grad());
        }
    }

    /** Under bf16 autocast the logits stay float32: same value as without autocast. */
    @Test
    void ignoresAutocast() {
        try (Scope s = Scope.open()) {
            Tensor image = fx.get("clip.image").to(DType.FLOAT32);
            Tensor text = fx.get("clip.text").to(DType.FLOAT32);
            Tensor scale = fx.get("clip.logit_scale_param").to(DType.FLOAT32).exp();
            double plain = new ClipLoss().contrastive(image, text, scale).item();
            try (Autocast a = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
                assertEquals(DType.BFLOAT16, image.matmul(text.t()).dtype(), "autocast is not active for matmul on CPU; the test would prove nothing");
                assertEquals(plain, new ClipLoss().contrastive(image, text, scale).item(), 1e-6);
            }
        }
    }

    @Test
    void unequalBatchesAreRejected() {
        try (Scope s = Scope.open()) {
            List<Tensor> images = List.of(Torch.randn(3, 4), Torch.randn(2, 4));
            List<Tensor> texts = List.of(Torch.randn(3, 4), Torch.randn(2, 4));
            ClipLoss loss = new ClipLoss(SimulatedGather.view(0, images, texts, 0), true, true);
            assertThrows(IllegalStateException.class, () -> loss.contrastive(images.get(0), texts.get(0), Torch.scalar(10.0)));
            assertThrows(IllegalArgumentException.class, () -> new ClipLoss().contrastive(Torch.randn(3, 4), Torch.randn(2, 4), Torch.scalar(1.0)));
        }
    }
}
