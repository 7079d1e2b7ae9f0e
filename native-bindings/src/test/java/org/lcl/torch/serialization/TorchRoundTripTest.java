package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.torch.serialization.Tensors.tensor;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.DType;

/** Java to Java: what TorchSave writes, TorchLoad reads back the same; no Python needed. */
class TorchRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void stateDict() throws Exception {
        Path file = dir.resolve("sd.pt");
        TorchSave.save(Fixtures.stateDict(), file);
        Fixtures.assertStateDict(TorchLoad.load(file));
    }

    @Test
    void zip64Records() throws Exception {
        Path file = dir.resolve("zip64.pt");
        TorchSave.save(Fixtures.stateDict(), file, true);
        Fixtures.assertStateDict(TorchLoad.load(file));
    }

    @Test
    void loadedTreeSavesAgainWithViewsIntact() throws Exception {
        Path first = dir.resolve("first.pt");
        Path second = dir.resolve("second.pt");
        TorchSave.save(Fixtures.stateDict(), first);
        Map<?, ?> loaded = (Map<?, ?>) TorchLoad.load(first);
        assertTrue(((HostTensor) loaded.get("f32")).storage().isReadOnly(), "loaded storages are read-only maps");
        TorchSave.save(loaded, second);
        Fixtures.assertStateDict(TorchLoad.load(second));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), "output is deterministic");
    }

    @Test
    void pythonValues() throws Exception {
        Map<Object, Object> tree = new LinkedHashMap<>();
        tree.put("int", 7);
        tree.put("int16", 1000);
        tree.put("long", -(1L << 40));
        tree.put("big", BigInteger.TWO.pow(100).negate());
        tree.put("huge", BigInteger.TWO.pow(3000));
        tree.put("double", 0.1);
        tree.put("float", 0.25f);
        tree.put("bool", true);
        tree.put("none", null);
        tree.put("bytes", new byte[] {0, (byte) 0xFF, 'a'});
        tree.put("str", "\u03b4\u2192\u2713");
        tree.put("dtype", DType.FLOAT16);
        tree.put("tuple", PyTuple.of(1, PyTuple.of(), PyTuple.of("a", 2, 3, 4)));
        tree.put(3, List.of(List.of(), Map.of()));
        tree.put(PyTuple.of(1, 2), "tuple key");
        Path file = dir.resolve("values.pt");
        TorchSave.save(tree, file);

        Map<?, ?> got = (Map<?, ?>) TorchLoad.load(file);
        assertEquals(List.of("int", "int16", "long", "big", "huge", "double", "float", "bool", "none", "bytes", "str", "dtype",
                "tuple", 3L, PyTuple.of(1L, 2L)), new ArrayList<>(got.keySet()));
        assertEquals(7L, got.get("int"));
        assertEquals(1000L, got.get("int16"));
        assertEquals(BigInteger.TWO.pow(3000), got.get("huge"));
        assertEquals(-(1L << 40), got.get("long"));
        assertEquals(BigInteger.TWO.pow(100).negate(), got.get("big"));
        assertEquals(0.1, got.get("double"));
        assertEquals(0.25, got.get("float"));
        assertEquals(true, got.get("bool"));
        assertTrue(got.containsKey("none"));
        assertEquals(null, got.get("none"));
        assertArrayEquals(new byte[] {0, (byte) 0xFF, 'a'}, (byte[]) got.get("bytes"));
        assertEquals("\u03b4\u2192\u2713", got.get("str"));
        assertEquals(DType.FLOAT16, got.get("dtype"));
        PyTuple tuple = (PyTuple) got.get("tuple");
        assertEquals(PyTuple.of(1L, PyTuple.of(), PyTuple.of("a", 2L, 3L, 4L)), tuple);
        assertTrue(tuple.get(2) instanceof PyTuple, "nested tuples stay tuples");
        assertEquals(List.of(List.of(), Map.of()), got.get(3L));
        assertEquals("tuple key", got.get(PyTuple.of(1L, 2L)));
    }

    @Test
    void requiresGradAndDeviceSurvive() throws Exception {
        HostTensor t = tensor(DType.BFLOAT16, new long[] {2}, 1, 2).withRequiresGrad(true);
        HostTensor onCuda = new HostTensor(DType.INT64, new long[] {1}, new long[] {1}, 0,
                tensor(DType.INT64, new long[] {1}, 5).storage(), "cuda:1", false);
        Path file = dir.resolve("grad.pt");
        TorchSave.save(List.of(t, onCuda), file);
        List<?> got = (List<?>) TorchLoad.load(file);
        assertTrue(((HostTensor) got.get(0)).requiresGrad());
        assertEquals("cuda:1", ((HostTensor) got.get(1)).device());
    }

    @Test
    void unsupportedValueIsNamedAndLeavesNoFile() throws Exception {
        Map<Object, Object> tree = new LinkedHashMap<>();
        tree.put("a", List.of(1, new Object()));
        Path file = dir.resolve("bad.pt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchSave.save(tree, file));
        assertTrue(e.getMessage().contains("root.a[1]"), e.getMessage());
        assertDirectoryHolds();
    }

    @Test
    void cycleIsRefused() {
        List<Object> list = new ArrayList<>();
        list.add(list);
        assertThrows(IllegalArgumentException.class, () -> TorchSave.save(list, dir.resolve("cycle.pt")));
    }

    @Test
    void oneStorageAsTwoDtypesIsRefused() {
        HostTensor f = tensor(DType.FLOAT32, new long[] {2}, 1, 2);
        HostTensor i = new HostTensor(DType.INT32, new long[] {2}, new long[] {1}, 0, f.storage(), "cpu", false);
        assertThrows(IllegalArgumentException.class, () -> TorchSave.save(List.of(f, i), dir.resolve("x.pt")));
    }

    @Test
    void saveReplacesAtomicallyAndCleansUp() throws Exception {
        Path file = dir.resolve("ckpt.pt");
        TorchSave.save(Map.of("epoch", 1), file);
        TorchSave.save(Map.of("epoch", 2), file);
        assertEquals(Map.of("epoch", 2L), TorchLoad.load(file));
        assertDirectoryHolds("ckpt.pt");
    }

    private void assertDirectoryHolds(String... names) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(names), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
