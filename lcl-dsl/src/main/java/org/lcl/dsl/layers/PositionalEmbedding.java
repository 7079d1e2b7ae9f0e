package org.lcl.dsl.layers;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** Adds positions [:L] to [B, L, W]. Transparent: its parameter is its parent's (e.g. positional_embedding). */
public final class PositionalEmbedding extends Module {

    private final Tensor positions;

    PositionalEmbedding(PositionalEmbeddingSpec spec, CompileContext ctx) {
        super("");
        if (spec.isSinCos()) {
            try (Scope s = Scope.open()) {
                Tensor fixed = Torch.tensor(sinCos2d(spec.width(), (int) spec.sinCosGrid(), spec.sinCosClassToken()), spec.length(), spec.width());
                positions = addParameter(spec.name(), ctx.place(fixed));
            }
            positions.requiresGrad_(false);
        } else {
            positions = addParameter(spec.name(), ctx.parameter(spec.init(), spec.length(), spec.width()));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        try (Scope s = Scope.open()) {
            long n = x.size(1);
            Tensor p = n == positions.size(0) ? positions : positions.narrow(0, 0, n);
            return x.add(p.to(x.dtype())).moveOut();
        }
    }

    /**
     * MAE's get_2d_sincos_pos_embed, as OpenCLIP uses it: half the channels encode the column,
     * half the row, each as [sin(p·ω), cos(p·ω)] with ω = 1/10000^(i/(D/4)).
     */
    static float[] sinCos2d(long width, int grid, boolean classToken) {
        int d = (int) width;
        int quarter = d / 4;
        int rows = grid * grid + (classToken ? 1 : 0);
        float[] out = new float[rows * d];
        int offset = classToken ? d : 0;
        for (int h = 0; h < grid; h++) {
            for (int w = 0; w < grid; w++) {
                int base = offset + (h * grid + w) * d;
                // MAE's meshgrid puts the column coordinate first.
                fill1d(out, base, quarter, w);
                fill1d(out, base + 2 * quarter, quarter, h);
            }
        }
        return out;
    }

    private static void fill1d(float[] out, int base, int quarter, int pos) {
        for (int i = 0; i < quarter; i++) {
            double omega = 1.0 / Math.pow(10000.0, i / (double) quarter);
            double v = pos * omega;
            out[base + i] = (float) Math.sin(v);
            out[base + quarter + i] = (float) Math.cos(v);
        }
    }
}
