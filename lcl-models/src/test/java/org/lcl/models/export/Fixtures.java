package org.lcl.models.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.PyTuple;

/** Shared helpers: OpenCLIP-like checkpoints of the tiny demo models, and value comparisons. */
final class Fixtures {

    static final String LCL = "LCL_ViT-Tiny-16_demo";
    static final String CLIP = "ViT-Tiny-16_demo";

    private Fixtures() {}

    /** OpenCLIP's default run name for a model (its main.py: date-model_NAME-lr_-b_-j_-p_). */
    static String runName(String model) {
        return "2024_05_01-10_00_00-model_" + model + "-lr_0.0005-b_8-j_2-p_amp_bf16";
    }

    /** A state dict of the model with every key prefixed (OpenCLIP's DDP checkpoints use "module."). */
    static Map<String, Object> prefixed(ImageTextModel m, String prefix) {
        Map<String, Object> sd = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> sd.put(prefix + k, t));
        return sd;
    }

    /** An OpenCLIP training checkpoint {epoch, name, state_dict (module.-prefixed), optimizer}. */
    static Path writeOpenClipCheckpoint(ImageTextModel m, String runName, Path file) throws Exception {
        Map<String, Object> optimizer = new LinkedHashMap<>();
        optimizer.put("state", new LinkedHashMap<>());
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("lr", 5e-4);
        group.put("betas", PyTuple.of(0.9, 0.98));
        group.put("params", new ArrayList<>(List.of(0L, 1L, 2L)));
        optimizer.put("param_groups", new ArrayList<>(List.of(group)));
        Map<String, Object> ckpt = new LinkedHashMap<>();
        ckpt.put("epoch", 3L);
        ckpt.put("name", runName);
        ckpt.put("state_dict", prefixed(m, "module."));
        ckpt.put("optimizer", optimizer);
        Torch.save(ckpt, file);
        return file;
    }

    /** The row-major bytes of a tensor or host tensor. */
    static byte[] bytes(Object v) {
        return switch (v) {
            case HostTensor h -> {
                ByteBuffer b = h.contiguousBytes();
                byte[] a = new byte[b.remaining()];
                b.duplicate().get(a);
                yield a;
            }
            case Tensor t -> t.toByteArray();
            default -> throw new IllegalArgumentException(String.valueOf(v));
        };
    }

    /** Same keys (in order when ordered), same dtypes, shapes and bytes. */
    static void assertSameWeights(Map<String, ?> expected, Map<String, ?> actual, boolean ordered) {
        if (ordered) {
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        } else {
            assertEquals(expected.keySet(), actual.keySet());
        }
        expected.forEach((k, v) -> {
            Object a = actual.get(k);
            assertArrayEquals(shape(v), shape(a), k);
            assertEquals(dtype(v), dtype(a), k);
            assertArrayEquals(bytes(v), bytes(a), k);
        });
    }

    static long[] shape(Object v) {
        return v instanceof HostTensor h ? h.shape() : ((Tensor) v).shape();
    }

    static org.lcl.torch.DType dtype(Object v) {
        return v instanceof HostTensor h ? h.dtype() : ((Tensor) v).dtype();
    }

    static void assertMentions(Throwable e, String... parts) {
        String m = e.getMessage();
        for (String p : parts) {
            assertTrue(m != null && m.contains(p), "message should mention '" + p + "': " + m);
        }
    }
}
