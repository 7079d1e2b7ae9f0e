package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lcl.dsl.optim.AdamW;
import org.lcl.dsl.optim.ParamGroup;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

class OptimisationPartsTest {

    static Path micro() {
        return Path.of("src/test/resources/train/lcl-micro.json");
    }

    @Test
    void paramGroupsFollowOpenClipsRule() {
        try (ImageTextModel m = Models.create(micro().toString(), Device.CPU, DType.FLOAT32)) {
            List<ParamGroup> groups = ParamGroups.openClip(m, 0.2);
            assertEquals(0.0, groups.get(0).weightDecay());
            assertEquals(0.2, groups.get(1).weightDecay());
            int noDecay = 0;
            int decay = 0;
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                String n = e.getKey();
                boolean excluded = e.getValue().dim() < 2 || n.contains("bn") || n.contains("ln") || n.contains("bias") || n.contains("logit_scale");
                assertEquals(excluded, groups.get(0).params().contains(e.getValue()), n);
                if (excluded) {
                    noDecay++;
                } else {
                    decay++;
                }
            }
            assertEquals(noDecay, groups.get(0).params().size());
            assertEquals(decay, groups.get(1).params().size());
            // Spot checks named in openclip-interface.md.
            assertTrue(groups.get(1).params().contains(m.namedParameters().get("text.token_embedding.weight")));
            assertTrue(groups.get(1).params().contains(m.namedParameters().get("visual.conv1.weight")));
            assertTrue(groups.get(0).params().contains(m.namedParameters().get("logit_scale")));
            assertTrue(groups.get(0).params().contains(m.namedParameters().get("visual.ln_pre.weight")));
        }
    }

    @Test
    void optimizerDefaultsByModelName() {
        assertEquals(new OptimizerDefaults(5e-4, 0.9, 0.98, 1e-6), OptimizerDefaults.forModel("LCL_ViT-B-32_laion"));
        assertEquals(new OptimizerDefaults(5e-4, 0.9, 0.999, 1e-8), OptimizerDefaults.forModel("RN50"));
    }

    @Test
    void clipGradNormScalesToTheLimit() {
        try (Scope s = Scope.open()) {
            Tensor a = Torch.zeros(2).requiresGrad_(true);
            Tensor b = Torch.zeros(1).requiresGrad_(true);
            a.setGrad(Torch.tensor(new float[] {3, 0}, 2));
            b.setGrad(Torch.tensor(new float[] {4}, 1));
            double norm = Gradients.clipGradNorm_(List.of(a, b), 1.0);
            assertEquals(5.0, norm, 1e-6);
            double k = 1.0 / (5.0 + 1e-6);
            assertEquals(3 * k, a.grad().toFloatArray()[0], 1e-6);
            assertEquals(4 * k, b.grad().toFloatArray()[0], 1e-6);
            // Below the limit nothing changes.
            assertEquals(1.0, Gradients.clipGradNorm_(List.of(a, b), 10.0), 1e-5);
            assertEquals(3 * k, a.grad().toFloatArray()[0], 1e-6);
        }
    }

    @Test
    void gradScalerSkipsNonFiniteStepsAndBacksOff() {
        try (Scope s = Scope.open()) {
            Tensor p = Torch.ones(2).requiresGrad_(true).keep();
            try (AdamW opt = new AdamW(List.of(new ParamGroup(List.of(p), 0.0)), 0.1, 0.9, 0.999, 1e-8)) {
                GradScaler scaler = new GradScaler(8.0, 2.0, 0.5, 2);
                // A finite step: the gradient is unscaled before the update.
                scaler.scale(p.sum()).backward();
                assertEquals(8.0f, p.grad().toFloatArray()[0], 0f);
                assertTrue(scaler.step(opt, List.of(p)));
                assertEquals(1.0f, p.grad().toFloatArray()[0], 0f);
                scaler.update();
                assertEquals(8.0, scaler.scale());
                float[] before = p.detach().toFloatArray();
                // An inf gradient: no update, scale halves.
                p.setGrad(Torch.tensor(new float[] {Float.POSITIVE_INFINITY, 1}, 2));
                assertFalse(scaler.step(opt, List.of(p)));
                scaler.update();
                assertEquals(4.0, scaler.scale());
                assertEquals(before[0], p.detach().toFloatArray()[0], 0f);
                assertEquals(1, scaler.skippedSteps());
                // Two good steps in a row: the scale grows.
                for (int i = 0; i < 2; i++) {
                    p.setGrad(Torch.ones(2));
                    assertTrue(scaler.step(opt, List.of(p)));
                    scaler.update();
                }
                assertEquals(8.0, scaler.scale());
                Map<String, Object> sd = scaler.stateDict();
                GradScaler restored = new GradScaler();
                restored.loadStateDict(sd);
                assertEquals(8.0, restored.scale());
            } finally {
                p.close();
            }
        }
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("0.0005", PythonFloat.repr(5e-4));
        assertEquals("1e-05", PythonFloat.repr(1e-5));
        assertEquals("0.001", PythonFloat.repr(1e-3));
        assertEquals("3.0", PythonFloat.repr(3));
        assertEquals("1.5e+16", PythonFloat.repr(1.5e16));
    }
}
