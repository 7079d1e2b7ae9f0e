package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.torch.serialization.Tensors.range;
import static org.lcl.torch.serialization.Tensors.tensor;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.DType;

/** Files written here, read by Python's torch.load, which checks them against the same formulas and prints OK. */
class TorchSaveToPythonTest {

    private static final String CHECK_PY = Fixtures.STATE_DICT_PY + """
            import math, struct, sys, zipfile
            d = sys.argv[1]

            def check(cond, what):
                if not cond:
                    raise SystemExit("FAIL: " + what)

            def check_archive(path, storages):
                with zipfile.ZipFile(path) as z:
                    check(z.testzip() is None, path + ": a CRC is wrong")
                    names = z.namelist()
                    check(names[0] == "archive/data.pkl" and names[-1] == "archive/version", str(names))
                    check(z.read("archive/version") == b"3\\n", "version record")
                    check(len([n for n in names if "/data/" in n]) == storages, "storage count " + str(names))
                    raw = open(path, "rb").read()
                    for info in z.infolist():
                        check(info.compress_type == zipfile.ZIP_STORED, info.filename + " is compressed")
                        n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
                        check((info.header_offset + 30 + n + e) % 64 == 0, info.filename + " is not 64-byte aligned")

            def check_state_dict(sd, what):
                check(type(sd) is collections.OrderedDict, what + " is " + str(type(sd)))
                want = state_dict()
                check(list(sd) == list(want), what + " keys " + str(list(sd)))
                for k, e in want.items():
                    g = sd[k]
                    check(g.dtype == e.dtype, f"{what}[{k}] dtype {g.dtype}")
                    check(g.shape == e.shape and g.stride() == e.stride(), f"{what}[{k}] shape {g.shape} {g.stride()}")
                    check(g.storage_offset() == e.storage_offset(), f"{what}[{k}] offset {g.storage_offset()}")
                    check(torch.equal(g, e), f"{what}[{k}] = {g}, expected {e}")
                    check(not g.requires_grad, f"{what}[{k}] requires grad")
                ptr = sd["base"].storage().data_ptr()
                for k in ("t", "row1", "col2"):
                    check(sd[k].storage().data_ptr() == ptr, f"{what}[{k}] does not share base's storage")
                sd["base"][1, 0] = 42
                check(sd["row1"][0].item() == 42 and sd["t"][0, 1].item() == 42, what + ": views are not views")

            check_archive(d + "/state_dict.pt", 13)
            check_state_dict(torch.load(d + "/state_dict.pt"), "state_dict.pt")
            check_state_dict(torch.load(d + "/state_dict.pt", weights_only=True), "state_dict.pt weights_only")
            check_archive(d + "/zip64.pt", 13)
            check_state_dict(torch.load(d + "/zip64.pt"), "zip64.pt")

            linear = torch.nn.Linear(3, 2)
            linear.load_state_dict(torch.load(d + "/linear.pt", weights_only=True))
            y = linear(torch.ones(1, 3))
            check(y.tolist() == [[3.0 + 0.5, 12.0 - 0.5]], "linear output " + str(y))

            ck = torch.load(d + "/checkpoint.pt")
            check(type(ck) is collections.OrderedDict, "checkpoint type " + str(type(ck)))
            check(list(ck) == ["epoch", "name", "state_dict", "optimizer", "param", "big", "neg", "int16", "huge",
                               "neg_big",
                               "bytes", "empty_bytes", "dtype", "unicode", "tuple5", "list", "nan", "float", "int"],
                  "checkpoint keys " + str(list(ck)))
            check(ck["epoch"] == 3 and type(ck["epoch"]) is int, "epoch")
            check(ck["name"] == "x", "name")
            check_state_dict(ck["state_dict"], "checkpoint state_dict")
            params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))]
            adam = torch.optim.Adam(params)
            adam.load_state_dict(ck["optimizer"])
            check(adam.param_groups[0]["lr"] == 0.1 and adam.param_groups[0]["betas"] == (0.9, 0.98),
                  "param group " + str(adam.param_groups[0]))
            check(adam.param_groups[0]["eps"] == 1e-8 and adam.param_groups[0]["amsgrad"] is False, "eps/amsgrad")
            check(torch.equal(adam.state[params[0]]["exp_avg"], torch.full((2,), 0.5)), "exp_avg 0")
            check(torch.equal(adam.state[params[1]]["exp_avg"], torch.zeros(3)), "exp_avg 1")
            check(adam.state[params[0]]["step"].item() == 10 and adam.state[params[0]]["step"].dim() == 0, "step")
            check(ck["param"].requires_grad and torch.equal(ck["param"].detach(), torch.ones(2)), "param")
            check(ck["big"] == 2**70 and ck["neg"] == -5 and ck["neg_big"] == -2**40, "ints")
            check(ck["int16"] == 1000 and ck["huge"] == 2**3000, "more ints")
            check(ck["bytes"] == b"\\x00\\xffab" and ck["empty_bytes"] == b"", "bytes")
            check(ck["dtype"] is torch.bfloat16, "dtype")
            check(ck["unicode"] == "\\u03b4\\u2192\\u2713", "unicode")
            check(ck["tuple5"] == (1, 2, 3, 4, 5), "tuple5")
            check(ck["list"] == [1, "a", []], "list")
            check(math.isnan(ck["nan"]) and ck["float"] == 0.25 and ck["int"] == 7, "numbers")
            print("OK")
            """;

    @TempDir
    Path dir;

    @Test
    void pythonLoadsWhatJavaSaved() throws Exception {
        PythonTorch.assumeAvailable();
        TorchSave.save(Fixtures.stateDict(), dir.resolve("state_dict.pt"));
        TorchSave.save(Fixtures.stateDict(), dir.resolve("zip64.pt"), true);
        Map<Object, Object> linear = new LinkedHashMap<>();
        linear.put("weight", tensor(DType.FLOAT32, new long[] {2, 3}, range(6, 1, 0)));
        linear.put("bias", tensor(DType.FLOAT32, new long[] {2}, 0.5, -0.5));
        TorchSave.save(linear, dir.resolve("linear.pt"));
        TorchSave.save(checkpoint(), dir.resolve("checkpoint.pt"));

        PythonTorch.Result r = PythonTorch.run(dir, CHECK_PY, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().strip().endsWith("OK"), r.output());
    }

    private static Map<Object, Object> checkpoint() {
        Map<Object, Object> state = new LinkedHashMap<>();
        state.put(0L, Map.of("step", tensor(DType.FLOAT32, new long[] {}, 10),
                "exp_avg", tensor(DType.FLOAT32, new long[] {2}, 0.5, 0.5)));
        state.put(1L, Map.of("step", tensor(DType.FLOAT32, new long[] {}, 10),
                "exp_avg", tensor(DType.FLOAT32, new long[] {3}, 0, 0, 0)));
        Map<Object, Object> group = new LinkedHashMap<>();
        group.put("lr", 0.1);
        group.put("params", List.of(0, 1));
        group.put("betas", PyTuple.of(0.9, 0.98));
        group.put("eps", 1e-8);
        group.put("amsgrad", false);
        group.put("foreach", null);
        Map<Object, Object> optimizer = new LinkedHashMap<>();
        optimizer.put("state", state);
        optimizer.put("param_groups", List.of(group));

        Map<Object, Object> ckpt = new LinkedHashMap<>();
        ckpt.put("epoch", 3);
        ckpt.put("name", "x");
        ckpt.put("state_dict", Fixtures.stateDict());
        ckpt.put("optimizer", optimizer);
        ckpt.put("param", tensor(DType.FLOAT32, new long[] {2}, 1, 1).withRequiresGrad(true));
        ckpt.put("big", BigInteger.TWO.pow(70));
        ckpt.put("neg", -5);
        ckpt.put("int16", 1000);
        ckpt.put("huge", BigInteger.TWO.pow(3000));
        ckpt.put("neg_big", -(1L << 40));
        ckpt.put("bytes", new byte[] {0, (byte) 0xFF, 'a', 'b'});
        ckpt.put("empty_bytes", new byte[0]);
        ckpt.put("dtype", DType.BFLOAT16);
        ckpt.put("unicode", "\u03b4\u2192\u2713");
        ckpt.put("tuple5", PyTuple.of(1, 2, 3, 4, 5));
        ckpt.put("list", List.of(1, "a", List.of()));
        ckpt.put("nan", Double.NaN);
        ckpt.put("float", 0.25f);
        ckpt.put("int", 7);
        return ckpt;
    }
}
