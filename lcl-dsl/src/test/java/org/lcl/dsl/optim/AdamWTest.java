package org.lcl.dsl.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** AdamW against torch.optim.AdamW (Debian's python3-torch) on the same parameters and gradients. */
class AdamWTest {

    private static final String PYTHON = "/usr/bin/python3";

    /** Parameters and per-step gradients from closed formulas, the same in Java and Python. */
    private static double param(int p, int i) {
        return Math.sin(1 + p + 0.37 * i);
    }

    private static double grad(int step, int p, int i) {
        return Math.cos(0.5 * step + 0.11 * i - p) * (i % 3 == 0 ? 0.1 : 1.0);
    }

    /**
     * float32 parameters take the native one-pass kernel (parallel over chunks); float64 ones the
     * op-by-op path of torch's arithmetic. Run side by side on the same values (large enough to be
     * split across threads), the float32 result must follow the float64 one to float precision.
     */
    @Test
    void fusedFloat32StepFollowsTheOpByOpStep() {
        int n = 200_003;
        try (Scope s = Scope.open()) {
            double[] init = new double[n];
            for (int i = 0; i < n; i++) {
                init[i] = param(0, i);
            }
            Tensor f32 = Torch.tensor(init).to(org.lcl.torch.DType.FLOAT32).requiresGrad_();
            Tensor f64 = Torch.tensor(init).requiresGrad_();
            AdamW a = new AdamW(List.of(new ParamGroup(List.of(f32), 0.2)), 1e-2, 0.9, 0.98, 1e-6);
            AdamW b = new AdamW(List.of(new ParamGroup(List.of(f64), 0.2)), 1e-2, 0.9, 0.98, 1e-6);
            for (int step = 0; step < 5; step++) {
                double[] g = grads(step, 0, n);
                f32.setGrad(Torch.tensor(g).to(org.lcl.torch.DType.FLOAT32));
                f64.setGrad(Torch.tensor(g));
                a.step();
                b.step();
            }
            double[] x = f32.detach().to(org.lcl.torch.DType.FLOAT64).toDoubleArray();
            double[] y = f64.detach().toDoubleArray();
            double worst = 0;
            for (int i = 0; i < n; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
            assertTrue(worst < 2e-6, "float32 fused AdamW drifts from float64 by " + worst);
            assertTrue(worst > 0, "the float32 step did not run in float32");
            a.close();
            b.close();
        }
    }

    @Test
    void matchesTorchOptimAdamW() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), "skipped: " + PYTHON + " not found (apt-get install python3-torch)");
        int[] sizes = {6, 4};
        int steps = 4;
        double[][] expected = python(sizes, steps);
        try (Scope s = Scope.open()) {
            Tensor a = Torch.tensor(values(0, sizes[0])).requiresGrad_();
            Tensor b = Torch.tensor(values(1, sizes[1])).requiresGrad_();
            AdamW opt = new AdamW(List.of(new ParamGroup(List.of(a), 0.2), new ParamGroup(List.of(b), 0.0)), 1e-2, 0.9, 0.98, 1e-6);
            for (int step = 0; step < steps; step++) {
                opt.zeroGrad();
                a.setGrad(Torch.tensor(grads(step, 0, sizes[0])));
                if (step != 1) {
                    b.setGrad(Torch.tensor(grads(step, 1, sizes[1]))); // b has no gradient at step 1
                }
                opt.step();
            }
            assertArrayEquals(expected[0], a.detach().toDoubleArray(), 1e-12);
            assertArrayEquals(expected[1], b.detach().toDoubleArray(), 1e-12);
            Map<String, Object> sd = opt.stateDict();
            Map<?, ?> state = (Map<?, ?>) sd.get("state");
            assertEquals(4.0, ((Tensor) ((Map<?, ?>) state.get(0L)).get("step")).item());
            assertEquals(3.0, ((Tensor) ((Map<?, ?>) state.get(1L)).get("step")).item());
            opt.close();
        }
    }

    private static double[] values(int p, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = param(p, i);
        }
        return v;
    }

    private static double[] grads(int step, int p, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = grad(step, p, i);
        }
        return v;
    }

    private static double[][] python(int[] sizes, int steps) throws IOException, InterruptedException {
        String script = """
                import math, torch
                sizes, steps = %s, %d
                ps = [torch.tensor([math.sin(1 + p + 0.37 * i) for i in range(n)], dtype=torch.float64, requires_grad=True) for p, n in enumerate(sizes)]
                opt = torch.optim.AdamW([{'params': [ps[0]], 'weight_decay': 0.2}, {'params': [ps[1]], 'weight_decay': 0.0}],
                                        lr=1e-2, betas=(0.9, 0.98), eps=1e-6)
                for step in range(steps):
                    opt.zero_grad(set_to_none=True)
                    for p, n in enumerate(sizes):
                        if p == 1 and step == 1:
                            continue
                        ps[p].grad = torch.tensor([math.cos(0.5 * step + 0.11 * i - p) * (0.1 if i %% 3 == 0 else 1.0) for i in range(n)], dtype=torch.float64)
                    opt.step()
                for p in ps:
                    print(' '.join(repr(float(x)) for x in p.detach()))
                """.formatted(Arrays.toString(sizes), steps);
        Path file = Files.createTempFile("adamw", ".py");
        Files.writeString(file, script);
        Process proc = new ProcessBuilder(PYTHON, file.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor(120, TimeUnit.SECONDS);
        Files.deleteIfExists(file);
        Assumptions.assumeTrue(proc.exitValue() == 0 || !out.contains("No module named 'torch'"), "skipped: python3-torch missing");
        assertEquals(0, proc.exitValue(), out);
        String[] lines = out.strip().split("\n");
        double[][] r = new double[lines.length][];
        for (int i = 0; i < lines.length; i++) {
            r[i] = Arrays.stream(lines[i].trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
        }
        return r;
    }
}
