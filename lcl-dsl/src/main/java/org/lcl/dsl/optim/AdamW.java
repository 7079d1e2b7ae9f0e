package org.lcl.dsl.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Optimizers;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.PyTuple;

/**
 * torch.optim.AdamW with PyTorch's defaults (betas 0.9, 0.999, eps 1e-8, weight decay 0.01)
 * and arithmetic: one native call per param group and step. Its {@link #stateDict()} has
 * PyTorch's layout ({@code state} by parameter index, {@code param_groups}), so optimiser state
 * moves between this project and PyTorch checkpoints.
 */
public final class AdamW implements AutoCloseable {

    private final List<ParamGroup> groups;
    private final double[] lrs;
    private final double beta1;
    private final double beta2;
    private final double eps;
    /** Per parameter, in group order: moments (created lazily like PyTorch's state) and step counts. */
    private final Tensor[] expAvg;
    private final Tensor[] expAvgSq;
    private final long[] steps;

    public AdamW(List<ParamGroup> groups, double lr, double beta1, double beta2, double eps) {
        if (lr < 0 || eps < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("invalid AdamW hyperparameters: lr " + lr + ", betas (" + beta1 + ", " + beta2 + "), eps " + eps);
        }
        this.groups = List.copyOf(groups);
        this.lrs = new double[groups.size()];
        java.util.Arrays.fill(lrs, lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        int n = groups.stream().mapToInt(g -> g.params().size()).sum();
        expAvg = new Tensor[n];
        expAvgSq = new Tensor[n];
        steps = new long[n];
    }

    /** One group with PyTorch's defaults and the given lr and weight decay. */
    public static AdamW of(List<Tensor> params, double lr, double weightDecay) {
        return new AdamW(List.of(new ParamGroup(params, weightDecay)), lr, 0.9, 0.999, 1e-8);
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    public double lr(int group) {
        return lrs[group];
    }

    /** Sets the learning rate of every group (as OpenCLIP's schedules do). */
    public void setLr(double lr) {
        java.util.Arrays.fill(lrs, lr);
    }

    public void setLr(int group, double lr) {
        lrs[group] = lr;
    }

    /** Clears every parameter's gradient ({@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                p.setGrad(null);
            }
        }
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        int base = 0;
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            for (int gi = 0; gi < groups.size(); gi++) {
                ParamGroup group = groups.get(gi);
                List<Tensor> params = group.params();
                List<Tensor> ps = new ArrayList<>();
                List<Tensor> ms = new ArrayList<>();
                List<Tensor> vs = new ArrayList<>();
                List<Long> st = new ArrayList<>();
                for (int i = 0; i < params.size(); i++) {
                    Tensor p = params.get(i);
                    if (p.grad() == null) {
                        continue;
                    }
                    int idx = base + i;
                    if (expAvg[idx] == null) {
                        expAvg[idx] = Torch.zerosLike(p).keep();
                        expAvgSq[idx] = Torch.zerosLike(p).keep();
                    }
                    steps[idx]++;
                    ps.add(p);
                    ms.add(expAvg[idx]);
                    vs.add(expAvgSq[idx]);
                    st.add(steps[idx]);
                }
                base += params.size();
                if (ps.isEmpty()) {
                    continue;
                }
                long[] stepArray = st.stream().mapToLong(Long::longValue).toArray();
                Optimizers.adamwStep_(ps, ms, vs, stepArray, lrs[gi], beta1, beta2, eps, group.weightDecay());
            }
        }
    }

    /**
     * PyTorch's optimiser state dict: {@code {"state": {index: {"step", "exp_avg", "exp_avg_sq"}},
     * "param_groups": [{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "params"}]}}.
     * Tensors are this optimiser's own; save them, don't close them.
     */
    public Map<String, Object> stateDict() {
        Map<Object, Object> state = new LinkedHashMap<>();
        for (int i = 0; i < steps.length; i++) {
            if (expAvg[i] != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("step", Torch.scalar(steps[i]).keep());
                s.put("exp_avg", expAvg[i]);
                s.put("exp_avg_sq", expAvgSq[i]);
                state.put((long) i, s);
            }
        }
        List<Object> pg = new ArrayList<>();
        int base = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("lr", lrs[gi]);
            g.put("betas", PyTuple.of(beta1, beta2));
            g.put("eps", eps);
            g.put("weight_decay", groups.get(gi).weightDecay());
            g.put("amsgrad", false);
            g.put("maximize", false);
            List<Object> ids = new ArrayList<>();
            for (int i = 0; i < groups.get(gi).params().size(); i++) {
                ids.add((long) (base + i));
            }
            base += groups.get(gi).params().size();
            g.put("params", ids);
            pg.add(g);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", state);
        out.put("param_groups", pg);
        return out;
    }

    /** Restores state written by {@link #stateDict()} or by PyTorch's AdamW for the same parameters. */
    public void loadStateDict(Map<?, ?> dict) {
        Object stateObj = dict.get("state");
        Object groupsObj = dict.get("param_groups");
        if (!(stateObj instanceof Map<?, ?> state) || !(groupsObj instanceof List<?> pg) || pg.size() != groups.size()) {
            throw new IllegalArgumentException("not an AdamW state dict for " + groups.size() + " param group(s)");
        }
        for (int gi = 0; gi < groups.size(); gi++) {
            if (pg.get(gi) instanceof Map<?, ?> g && g.get("lr") instanceof Number lr) {
                lrs[gi] = lr.doubleValue();
            }
        }
        try (GradMode g = GradMode.noGrad(); Scope s = Scope.open()) {
            int base = 0;
            for (ParamGroup group : groups) {
                for (int i = 0; i < group.params().size(); i++) {
                    int idx = base + i;
                    Object entry = state.get((long) idx);
                    if (!(entry instanceof Map<?, ?> e)) {
                        continue;
                    }
                    Tensor p = group.params().get(i);
                    if (expAvg[idx] == null) {
                        expAvg[idx] = Torch.zerosLike(p).keep();
                        expAvgSq[idx] = Torch.zerosLike(p).keep();
                    }
                    expAvg[idx].copy_(tensor(e.get("exp_avg"), idx));
                    expAvgSq[idx].copy_(tensor(e.get("exp_avg_sq"), idx));
                    steps[idx] = Math.round(tensor(e.get("step"), idx).item());
                }
                base += group.params().size();
            }
        }
    }

    private static Tensor tensor(Object v, int idx) {
        return switch (v) {
            case Tensor t -> t;
            case HostTensor h -> Torch.fromHost(h, org.lcl.torch.Device.CPU);
            case Number n -> Torch.scalar(n.doubleValue());
            case null, default -> throw new IllegalArgumentException("optimizer state of parameter " + idx + " is missing a tensor");
        };
    }

    @Override
    public void close() {
        for (int i = 0; i < steps.length; i++) {
            if (expAvg[i] != null) {
                expAvg[i].close();
                expAvgSq[i].close();
            }
        }
    }
}
