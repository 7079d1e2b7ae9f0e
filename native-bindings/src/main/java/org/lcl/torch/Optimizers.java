package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_adamw_step_;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Fused optimiser updates: one native call per step of a parameter group. */
public final class Optimizers {

    private Optimizers() {}

    /**
     * One torch.optim.AdamW step over params (those without a gradient are skipped), with their
     * first and second moments and per-parameter step counts after this update.
     */
    public static void adamwStep_(List<Tensor> params, List<Tensor> expAvgs, List<Tensor> expAvgSqs, long[] steps,
                                  double lr, double beta1, double beta2, double eps, double weightDecay) {
        int n = params.size();
        if (expAvgs.size() != n || expAvgSqs.size() != n || steps.length != n) {
            throw new IllegalArgumentException("adamw: " + n + " parameters but " + expAvgs.size() + " exp_avg, "
                    + expAvgSqs.size() + " exp_avg_sq and " + steps.length + " step counts");
        }
        ThreadState s = ThreadState.current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = handles(params, a);
            MemorySegment m = handles(expAvgs, a);
            MemorySegment v = handles(expAvgSqs, a);
            check(lcl_adamw_step_(p, m, v, a.allocateFrom(ValueLayout.JAVA_LONG, steps), n, lr, beta1, beta2, eps, weightDecay),
                    "adamw_step_");
        }
    }

    private static MemorySegment handles(List<Tensor> tensors, Arena a) {
        MemorySegment array = a.allocate(ValueLayout.ADDRESS, Math.max(1, tensors.size()));
        for (int i = 0; i < tensors.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, tensors.get(i).handle());
        }
        return array;
    }
}
