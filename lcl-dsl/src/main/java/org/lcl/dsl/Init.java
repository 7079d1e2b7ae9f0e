package org.lcl.dsl;

import org.lcl.torch.GradMode;
import org.lcl.torch.Tensor;

/** How a parameter is initialised, with PyTorch's and OpenCLIP's schemes. */
public sealed interface Init {

    /** Fills t in place (called under no-grad). */
    void apply(Tensor t);

    record Normal(double mean, double std) implements Init {
        @Override
        public void apply(Tensor t) {
            t.normal_(mean, std);
        }
    }

    record Uniform(double from, double to) implements Init {
        @Override
        public void apply(Tensor t) {
            t.uniform_(from, to);
        }
    }

    record Constant(double value) implements Init {
        @Override
        public void apply(Tensor t) {
            t.fill_(value);
        }
    }

    static Init normal(double std) {
        return new Normal(0, std);
    }

    static Init zeros() {
        return new Constant(0);
    }

    static Init ones() {
        return new Constant(1);
    }

    static Init constant(double value) {
        return new Constant(value);
    }

    /**
     * torch.nn.Linear's and Conv2d's default for weights and biases: kaiming_uniform with
     * a = sqrt(5), which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
     */
    static Init pytorchDefault(long fanIn) {
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
        return new Uniform(-bound, bound);
    }

    /** Applies init to t without recording gradients. */
    static void initialise(Tensor t, Init init) {
        try (GradMode g = GradMode.noGrad()) {
            init.apply(t);
        }
    }
}
