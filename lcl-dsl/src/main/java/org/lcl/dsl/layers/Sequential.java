package org.lcl.dsl.layers;

import java.util.List;

import org.lcl.dsl.Module;
import org.lcl.torch.Checkpoint;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/** Applies its children in order; repeated blocks are named by their index as in torch.nn.Sequential. */
public final class Sequential extends Module {

    private final List<Module> layers;
    private final boolean repeated;
    private Checkpoint[] checkpoints;

    Sequential(String name, List<Module> layers) {
        this(name, layers, false);
    }

    Sequential(String name, List<Module> layers, boolean indexNames) {
        super(name);
        for (int i = 0; i < layers.size(); i++) {
            if (indexNames) {
                addModule(Integer.toString(i), layers.get(i));
            } else {
                addModule(layers.get(i));
            }
        }
        this.layers = List.copyOf(layers);
        this.repeated = indexNames;
    }

    /** Checkpoints each repeated block; other sequences pass the setting on to their children. */
    @Override
    public Module setGradCheckpointing(boolean enable) {
        super.setGradCheckpointing(enable);
        if (repeated) {
            checkpoints = enable ? layers.stream().map(m -> new Checkpoint(m::forward)).toArray(Checkpoint[]::new) : null;
        }
        return this;
    }

    /** The layers in application order (transparent ones included). */
    public List<Module> layers() {
        return layers;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (layers.isEmpty()) {
            return x.share();
        }
        try (Scope s = Scope.open()) {
            Tensor h = x;
            boolean recompute = checkpoints != null && isTraining() && GradMode.isEnabled();
            for (int i = 0; i < layers.size(); i++) {
                h = recompute ? checkpoints[i].apply(h) : layers.get(i).forward(h);
            }
            return h.moveOut();
        }
    }

    /** Wraps inner in containers for the leading segments of a dotted name ("a.b.c" → a ⊃ b ⊃ c). */
    static Module nest(String dottedName, Module inner) {
        String[] parts = dottedName.split("\\.");
        Module m = inner;
        for (int i = parts.length - 2; i >= 0; i--) {
            m = new Sequential(parts[i], List.of(m));
        }
        return m;
    }
}
