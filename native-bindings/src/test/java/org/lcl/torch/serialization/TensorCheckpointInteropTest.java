package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.DType;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/** Torch.save / Torch.load on live tensors, against Python's torch.save / torch.load. */
class TensorCheckpointInteropTest {

    @TempDir
    Path dir;

    @BeforeEach
    void python() throws Exception {
        PythonTorch.assumeAvailable();
    }

    @Test
    void javaTensorAndCheckpointLoadInPython() throws Exception {
        try (Scope s = Scope.open()) {
            Tensor w = Torch.arange(0, 12, 1, TensorOptions.of(DType.FLOAT32)).reshape(3, 4).div(8.0);
            Torch.save(w.t(), dir.resolve("tensor.pt"));
            Map<String, Object> stateDict = new LinkedHashMap<>();
            stateDict.put("visual.proj", w);
            stateDict.put("logit_scale", Torch.scalar(Math.log(1 / 0.07)));
            stateDict.put("ids", Torch.arange(5));
            stateDict.put("mask", Torch.arange(4).lt(2.0));
            stateDict.put("half", w.to(DType.BFLOAT16));
            Map<String, Object> checkpoint = new LinkedHashMap<>();
            checkpoint.put("epoch", 3L);
            checkpoint.put("name", "run");
            checkpoint.put("state_dict", stateDict);
            checkpoint.put("optimizer", Map.of("param_groups", List.of(Map.of("lr", 5e-4, "betas", PyTuple.of(0.9, 0.98)))));
            Torch.save(checkpoint, dir.resolve("ckpt.pt"));
        }
        PythonTorch.Result r = PythonTorch.run(dir, """
                import sys, math, collections, torch
                d = sys.argv[1]
                t = torch.load(d + '/tensor.pt')
                assert t.shape == (4, 3) and t.dtype == torch.float32, t
                assert torch.equal(t, (torch.arange(12.).reshape(3, 4) / 8).t())
                c = torch.load(d + '/ckpt.pt')
                assert c['epoch'] == 3 and c['name'] == 'run'
                sd = c['state_dict']
                assert isinstance(sd, collections.OrderedDict)
                assert list(sd) == ['visual.proj', 'logit_scale', 'ids', 'mask', 'half']
                assert torch.equal(sd['visual.proj'], torch.arange(12.).reshape(3, 4) / 8)
                assert sd['logit_scale'].dim() == 0 and abs(sd['logit_scale'].item() - math.log(1 / 0.07)) < 1e-6
                assert sd['ids'].dtype == torch.int64 and sd['ids'].tolist() == [0, 1, 2, 3, 4]
                assert sd['mask'].dtype == torch.bool and sd['mask'].tolist() == [True, True, False, False]
                assert sd['half'].dtype == torch.bfloat16
                assert torch.equal(sd['half'], (torch.arange(12.).reshape(3, 4) / 8).bfloat16())
                assert c['optimizer']['param_groups'][0]['betas'] == (0.9, 0.98)
                print('OK')
                """, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    @Test
    void pythonCheckpointLoadsAsTensors() throws Exception {
        PythonTorch.Result r = PythonTorch.run(dir, """
                import sys, collections, torch
                sd = collections.OrderedDict()
                sd['w'] = torch.arange(6, dtype=torch.float64).reshape(2, 3).t()
                sd['b'] = torch.tensor([1, -2], dtype=torch.int32)
                torch.save({'epoch': 2, 'state_dict': sd}, sys.argv[1] + '/py.pt')
                torch.save(torch.linspace(0, 1, 5), sys.argv[1] + '/t.pt')
                print('OK')
                """, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        try (Scope s = Scope.open()) {
            Tensor t = assertInstanceOf(Tensor.class, Torch.load(dir.resolve("t.pt")));
            assertArrayEquals(new float[] {0f, 0.25f, 0.5f, 0.75f, 1f}, t.toFloatArray());
            Map<?, ?> ckpt = assertInstanceOf(Map.class, Torch.load(dir.resolve("py.pt")));
            assertEquals(2L, ckpt.get("epoch"));
            Map<?, ?> sd = assertInstanceOf(Map.class, ckpt.get("state_dict"));
            Tensor w = assertInstanceOf(Tensor.class, sd.get("w"));
            assertArrayEquals(new long[] {3, 2}, w.shape());
            assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, w.toDoubleArray());
            Tensor b = assertInstanceOf(Tensor.class, sd.get("b"));
            assertEquals(DType.INT32, b.dtype());
            assertArrayEquals(new int[] {1, -2}, b.toIntArray());
            assertEquals(s, w.scope());
        }
    }
}
