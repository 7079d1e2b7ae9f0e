package org.lcl.dsl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.dsl.Module;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** The user-declared encoder variant compiles, learns, saves and reloads without library changes. */
class CustomEncoderExampleTest {

    @TempDir
    Path dir;

    @Test
    void declaredVariantTrainsAndRoundTrips() throws Exception {
        Torch.manualSeed(0);
        try (Module model = CustomEncoderExample.encoder().compile(Device.CPU, DType.FLOAT32);
             Module reloaded = CustomEncoderExample.encoder().compile(Device.CPU, DType.FLOAT32);
             Scope s = Scope.open()) {
            Map<String, Tensor> sd = model.stateDict();
            assertTrue(sd.containsKey("visual.positional_embedding"));
            assertFalse(sd.get("visual.positional_embedding").requiresGrad(), "sin-cos positions are fixed");
            assertFalse(sd.containsKey("visual.class_embedding"));
            assertTrue(sd.containsKey("visual.transformer.resblocks.2.mlp.c_fc.weight"));
            assertTrue(sd.containsKey("head.weight"));

            List<Double> losses = CustomEncoderExample.train(model, 30);
            double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertTrue(last < 0.5 * first, "loss should fall: first steps " + first + ", last steps " + last);

            Path file = dir.resolve("encoder.safetensors");
            Torch.saveSafetensors(model.stateDict(), Map.of("architecture", "sincos-avgpool-vit"), file);
            reloaded.loadStateDict(Torch.loadSafetensors(file, Device.CPU), true);
            model.eval();
            reloaded.eval();
            Tensor x = CustomEncoderExample.batch(4, 99)[0];
            assertTrue(model.forward(x).equal(reloaded.forward(x)), "reloaded weights give identical outputs");
            assertEquals(model.parameterCount(), reloaded.parameterCount());
        }
    }
}
