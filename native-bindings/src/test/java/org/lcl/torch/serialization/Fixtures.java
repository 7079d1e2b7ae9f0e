package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.lcl.torch.serialization.Tensors.range;
import static org.lcl.torch.serialization.Tensors.tensor;
import static org.lcl.torch.serialization.Tensors.values;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lcl.torch.DType;

/**
 * One state dict, defined twice: in Python ({@link #STATE_DICT_PY}) and in Java ({@link #stateDict()}), with the
 * same values from the same formulas (all exact in their dtypes). Tests save it on one side and check it on the
 * other. It covers every storage type, a transposed view, views at an offset and with a stride sharing one
 * storage, a 0-dim and an empty tensor.
 */
final class Fixtures {

    static final String STATE_DICT_PY = """
            import collections, torch

            def state_dict():
                base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
                sd = collections.OrderedDict()
                sd["f32"] = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 2
                sd["f64"] = torch.arange(6, dtype=torch.float64) / 3
                sd["bf16"] = ((torch.arange(8) - 4) * 0.25).to(torch.bfloat16).reshape(2, 2, 2)
                sd["f16"] = torch.arange(8, dtype=torch.float16) * 0.125 + 1
                sd["i64"] = torch.arange(5, dtype=torch.int64) * 10**12 - 7
                sd["i32"] = (torch.arange(6, dtype=torch.int32) * -1000).reshape(2, 3)
                sd["i16"] = torch.tensor([-32768, 0, 32767], dtype=torch.int16)
                sd["i8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
                sd["u8"] = torch.arange(250, 256, dtype=torch.uint8)
                sd["bool"] = torch.tensor([True, False, True])
                sd["base"] = base
                sd["t"] = base.t()
                sd["row1"] = base[1]
                sd["col2"] = base[:, 2]
                sd["scalar"] = torch.tensor(3.5)
                sd["empty"] = torch.zeros(0, 3)
                return sd
            """;

    static final List<String> KEYS = List.of("f32", "f64", "bf16", "f16", "i64", "i32", "i16", "i8", "u8", "bool",
            "base", "t", "row1", "col2", "scalar", "empty");

    private Fixtures() {
    }

    static Map<Object, Object> stateDict() {
        HostTensor base = tensor(DType.FLOAT32, new long[] {2, 3}, range(6, 1, 0));
        double[] thirds = new double[6];
        for (int i = 0; i < thirds.length; i++) {
            thirds[i] = i / 3.0;
        }
        Map<Object, Object> sd = new LinkedHashMap<>();
        sd.put("f32", tensor(DType.FLOAT32, new long[] {3, 4}, range(12, 0.5, -2)));
        sd.put("f64", tensor(DType.FLOAT64, new long[] {6}, thirds));
        sd.put("bf16", tensor(DType.BFLOAT16, new long[] {2, 2, 2}, range(8, 0.25, -1)));
        sd.put("f16", tensor(DType.FLOAT16, new long[] {8}, range(8, 0.125, 1)));
        sd.put("i64", tensor(DType.INT64, new long[] {5}, range(5, 1e12, -7)));
        sd.put("i32", tensor(DType.INT32, new long[] {2, 3}, range(6, -1000, 0)));
        sd.put("i16", tensor(DType.INT16, new long[] {3}, -32768, 0, 32767));
        sd.put("i8", tensor(DType.INT8, new long[] {3}, -128, 0, 127));
        sd.put("u8", tensor(DType.UINT8, new long[] {6}, range(6, 1, 250)));
        sd.put("bool", tensor(DType.BOOL, new long[] {3}, 1, 0, 1));
        sd.put("base", base);
        sd.put("t", new HostTensor(DType.FLOAT32, new long[] {3, 2}, new long[] {1, 3}, 0, base.storage(), "cpu",
                false));
        sd.put("row1", new HostTensor(DType.FLOAT32, new long[] {3}, new long[] {1}, 3, base.storage(), "cpu", false));
        sd.put("col2", new HostTensor(DType.FLOAT32, new long[] {2}, new long[] {3}, 2, base.storage(), "cpu", false));
        sd.put("scalar", tensor(DType.FLOAT32, new long[] {}, 3.5));
        sd.put("empty", tensor(DType.FLOAT32, new long[] {0, 3}));
        return sd;
    }

    /** Checks a loaded state dict against the formulas, element by element, and the storage sharing of views. */
    static void assertStateDict(Object loaded) {
        Map<?, ?> sd = assertInstanceOf(Map.class, loaded);
        assertEquals(KEYS, List.copyOf(sd.keySet()));
        Map<?, ?> expected = stateDict();
        for (String key : KEYS) {
            HostTensor got = assertInstanceOf(HostTensor.class, sd.get(key), key);
            HostTensor want = (HostTensor) expected.get(key);
            assertEquals(want.dtype(), got.dtype(), key);
            assertArrayEquals(want.shape(), got.shape(), key);
            assertArrayEquals(want.stride(), got.stride(), key);
            assertEquals(want.storageOffset(), got.storageOffset(), key);
            assertArrayEquals(values(want), values(got), key);
            assertEquals("cpu", got.device(), key);
            assertFalse(got.requiresGrad(), key);
        }
        // The formulas once more, spelled out, so that a bug shared by writer and helper cannot hide.
        assertArrayEquals(new double[] {-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5},
                values((HostTensor) sd.get("f32")));
        assertArrayEquals(new double[] {-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75},
                values((HostTensor) sd.get("bf16")));
        assertArrayEquals(new double[] {250, 251, 252, 253, 254, 255}, values((HostTensor) sd.get("u8")));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, values((HostTensor) sd.get("t")));
        assertArrayEquals(new double[] {3, 4, 5}, values((HostTensor) sd.get("row1")));
        assertArrayEquals(new double[] {2, 5}, values((HostTensor) sd.get("col2")));
        Object baseStorage = ((HostTensor) sd.get("base")).storage();
        for (String view : List.of("t", "row1", "col2")) {
            assertSame(baseStorage, ((HostTensor) sd.get(view)).storage(), view + " shares base's storage");
        }
    }
}
