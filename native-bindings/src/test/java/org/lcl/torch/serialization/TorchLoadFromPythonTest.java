package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.torch.serialization.Tensors.range;
import static org.lcl.torch.serialization.Tensors.values;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.DType;

/** Files written by Python's torch.save, read here; the expected values come from the same formulas. */
class TorchLoadFromPythonTest {

    private static final String SAVE_PY = Fixtures.STATE_DICT_PY + """
            import argparse, io, sys
            out = sys.argv[1]
            sd = state_dict()
            # What Module.state_dict() attaches; loaded files carry it as BUILD state on the OrderedDict.
            sd._metadata = collections.OrderedDict([("", {"version": 1})])
            torch.save(sd, out + "/state_dict.pt")
            buffer = io.BytesIO()
            torch.save(sd, buffer)
            open(out + "/from_buffer.pt", "wb").write(buffer.getvalue())
            torch.save(torch.arange(100000, dtype=torch.float32), out + "/tensor.pt")
            opt_state = {
                0: {"step": torch.tensor(10.0), "exp_avg": torch.full((2,), 0.5)},
                1: {"step": torch.tensor(10.0), "exp_avg": torch.zeros(3)},
            }
            ckpt = {
                "epoch": 3,
                "name": "x",
                "state_dict": sd,
                "optimizer": {
                    "state": opt_state,
                    "param_groups": [{"lr": 0.1, "params": [0, 1], "betas": (0.9, 0.98), "eps": 1e-08,
                                      "amsgrad": False, "foreach": None}],
                },
                "param": torch.nn.Parameter(torch.ones(2)),
                "big": 2**70,
                "neg": -5,
                "int16": 1000,
                "huge": 2**3000,
                "neg_big": -2**40,
                "bytes": b"\\x00\\xffab",
                "empty_bytes": b"",
                "dtype": torch.bfloat16,
                "device": torch.device("cuda", 1),
                "cpu": torch.device("cpu"),
                "layout": torch.strided,
                "size": torch.Size([2, 3]),
                "unicode": "\\u03b4\\u2192\\u2713",
                "tuple5": (1, 2, 3, 4, 5),
                "list": [1, "a", []],
                "nan": float("nan"),
            }
            torch.save(ckpt, out + "/checkpoint.pt")
            # Protocol 4 brings other opcodes: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, SHORT_BINBYTES.
            torch.save(ckpt, out + "/checkpoint_protocol4.pt", pickle_protocol=4)
            torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), out + "/torchscript.pt")
            torch.save({"args": argparse.Namespace(lr=0.1)}, out + "/namespace.pt")

            # What newer torch writes, produced with this torch by pickling the same calls.
            def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
                raise AssertionError("only pickled here, never called")
            _rebuild_parameter_with_state.__module__ = "torch._utils"
            torch._utils._rebuild_parameter_with_state = _rebuild_parameter_with_state

            class ParameterWithState:
                def __reduce__(self):
                    return (torch._utils._rebuild_parameter_with_state,
                            (torch.full((2,), 7.0), True, collections.OrderedDict(), {"tag": 1}))

            class TensorWithMetadata:
                def __reduce__(self):
                    storage = torch.arange(4.0).storage()
                    return (torch._utils._rebuild_tensor_v2,
                            (storage, 1, (3,), (1,), False, collections.OrderedDict(), {"meta": 1}))

            torch.save({
                "parameter_with_state": ParameterWithState(),
                "tensor_with_metadata": TensorWithMetadata(),
                "typed_storage": torch.arange(3.0).storage(),
                "untyped_storage": torch.arange(4, dtype=torch.int16).storage().untyped(),
            }, out + "/newer.pt")
            print("saved")
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void saveWithPython() throws Exception {
        PythonTorch.assumeAvailable();
        PythonTorch.Result r = PythonTorch.run(dir, SAVE_PY, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void stateDictOfEveryDtypeWithViews() throws Exception {
        Fixtures.assertStateDict(TorchLoad.load(dir.resolve("state_dict.pt")));
    }

    @Test
    void archiveFolderNameDoesNotMatter() throws Exception {
        // torch names the folder after the file ("state_dict/") or "archive/" for a buffer.
        Fixtures.assertStateDict(TorchLoad.load(dir.resolve("from_buffer.pt")));
    }

    @Test
    void largeTensor() throws Exception {
        HostTensor t = assertInstanceOf(HostTensor.class, TorchLoad.load(dir.resolve("tensor.pt")));
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new long[] {100000}, t.shape());
        assertArrayEquals(range(100000, 1, 0), values(t));
    }

    @Test
    void checkpointWithOptimizerStateAndPythonValues() throws Exception {
        assertCheckpoint(TorchLoad.load(dir.resolve("checkpoint.pt")));
    }

    @Test
    void pickleProtocol4() throws Exception {
        assertCheckpoint(TorchLoad.load(dir.resolve("checkpoint_protocol4.pt")));
    }

    private static void assertCheckpoint(Object loaded) {
        Map<?, ?> ckpt = assertInstanceOf(LinkedHashMap.class, loaded);
        assertEquals(3L, ckpt.get("epoch"));
        assertEquals("x", ckpt.get("name"));
        Fixtures.assertStateDict(ckpt.get("state_dict"));

        Map<?, ?> optimizer = (Map<?, ?>) ckpt.get("optimizer");
        Map<?, ?> state = (Map<?, ?>) optimizer.get("state");
        assertEquals(List.of(0L, 1L), List.copyOf(state.keySet()));
        HostTensor step = (HostTensor) ((Map<?, ?>) state.get(0L)).get("step");
        assertArrayEquals(new long[] {}, step.shape());
        assertArrayEquals(new double[] {10}, values(step));
        assertArrayEquals(new double[] {0.5, 0.5}, values((HostTensor) ((Map<?, ?>) state.get(0L)).get("exp_avg")));
        assertArrayEquals(new double[] {0, 0, 0}, values((HostTensor) ((Map<?, ?>) state.get(1L)).get("exp_avg")));
        List<?> groups = assertInstanceOf(ArrayList.class, optimizer.get("param_groups"));
        Map<?, ?> group = (Map<?, ?>) groups.get(0);
        assertEquals(0.1, group.get("lr"));
        assertEquals(List.of(0L, 1L), group.get("params"));
        assertEquals(PyTuple.of(0.9, 0.98), assertInstanceOf(PyTuple.class, group.get("betas")));
        assertEquals(1e-8, group.get("eps"));
        assertEquals(false, group.get("amsgrad"));
        assertTrue(group.containsKey("foreach"));
        assertNull(group.get("foreach"));

        HostTensor param = (HostTensor) ckpt.get("param");
        assertTrue(param.requiresGrad());
        assertArrayEquals(new double[] {1, 1}, values(param));
        assertEquals(BigInteger.TWO.pow(70), ckpt.get("big"));
        assertEquals(-5L, ckpt.get("neg"));
        assertEquals(1000L, ckpt.get("int16"));
        assertEquals(BigInteger.TWO.pow(3000), ckpt.get("huge"));
        assertEquals(-(1L << 40), ckpt.get("neg_big"));
        assertArrayEquals(new byte[] {0, (byte) 0xFF, 'a', 'b'}, (byte[]) ckpt.get("bytes"));
        assertArrayEquals(new byte[0], (byte[]) ckpt.get("empty_bytes"));
        assertEquals(DType.BFLOAT16, ckpt.get("dtype"));
        assertEquals("cuda:1", ckpt.get("device"));
        assertEquals("cpu", ckpt.get("cpu"));
        assertEquals("torch.strided", ckpt.get("layout"));
        assertEquals(PyTuple.of(2L, 3L), assertInstanceOf(PyTuple.class, ckpt.get("size")));
        assertEquals("\u03b4\u2192\u2713", ckpt.get("unicode"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ckpt.get("tuple5"));
        assertEquals(List.of(1L, "a", List.of()), ckpt.get("list"));
        assertTrue(Double.isNaN((Double) ckpt.get("nan")));
    }

    @Test
    void newerTorchRebuildsAndBareStorages() throws Exception {
        Map<?, ?> got = (Map<?, ?>) TorchLoad.load(dir.resolve("newer.pt"));
        HostTensor parameter = (HostTensor) got.get("parameter_with_state");
        assertTrue(parameter.requiresGrad());
        assertArrayEquals(new double[] {7, 7}, values(parameter));
        assertArrayEquals(new double[] {1, 2, 3}, values((HostTensor) got.get("tensor_with_metadata")));
        HostTensor typed = (HostTensor) got.get("typed_storage");
        assertEquals(DType.FLOAT32, typed.dtype());
        assertArrayEquals(new double[] {0, 1, 2}, values(typed));
        HostTensor untyped = (HostTensor) got.get("untyped_storage");
        assertEquals(DType.UINT8, untyped.dtype());
        assertArrayEquals(new double[] {0, 0, 1, 0, 2, 0, 3, 0}, values(untyped));
    }

    @Test
    void torchScriptArchiveIsNamed() {
        Path file = dir.resolve("torchscript.pt");
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> TorchLoad.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("TorchScript"), e.getMessage());
    }

    @Test
    void arbitraryPythonObjectIsRefusedByName() {
        Path file = dir.resolve("namespace.pt");
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> TorchLoad.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("argparse.Namespace"), e.getMessage());
    }
}
