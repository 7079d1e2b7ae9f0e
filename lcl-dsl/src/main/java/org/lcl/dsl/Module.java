package org.lcl.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Tensor;
import org.lcl.torch.serialization.HostTensor;

/**
 * A compiled layer: parameters, buffers and sub-modules on one device, with PyTorch's
 * {@code nn.Module} conventions. State-dict keys and their order are PyTorch's: a module's own
 * parameters, then its persistent buffers, then each child in declaration order.
 *
 * <p>A module with an empty name is transparent: its parameters, buffers and children belong to
 * its parent's namespace (the DSL declares {@code class_embedding} as a layer of its own, while
 * PyTorch registers it as a parameter of {@code visual}; both give the key
 * {@code visual.class_embedding}).
 *
 * <p>Parameters and buffers are long-lived tensors owned by the module; {@link #close()} frees
 * them. {@link #forward} results belong to the caller's scope.
 */
public abstract class Module implements AutoCloseable {

    private String name;
    private Module parent;
    private final List<Map.Entry<String, Tensor>> parameters = new ArrayList<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Module> children = new ArrayList<>();
    private boolean training = true;

    private record Buffer(String name, Tensor tensor, boolean persistent) {}

    protected Module(String name) {
        this.name = name;
    }

    /** This module's own path segment ("" for a transparent module). */
    public final String name() {
        return name;
    }

    /** The dotted path of this module in its model, used in error messages. */
    public final String path() {
        return parent == null ? name : Spec.join(parent.path(), name);
    }

    public final boolean isTransparent() {
        return name.isEmpty();
    }

    /** Applies the module to x. Modules with other inputs offer their own forward methods. */
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException(path() + ": " + getClass().getSimpleName() + " has no single-input forward");
    }

    // ---- registration (during compile) ------------------------------------------------------

    /** Registers a trainable parameter; the module takes ownership of t. */
    protected final Tensor addParameter(String localName, Tensor t) {
        t.keep().requiresGrad_(true);
        parameters.add(Map.entry(localName, t));
        return t;
    }

    protected final Tensor addBuffer(String localName, Tensor t, boolean persistent) {
        t.keep();
        buffers.add(new Buffer(localName, t, persistent));
        return t;
    }

    protected final <M extends Module> M addModule(M child) {
        Module m = child;
        m.parent = this;
        children.add(m);
        return child;
    }

    /** Registers child under another name (e.g. the index of a repeated block). */
    protected final <M extends Module> M addModule(String childName, M child) {
        Module m = child;
        m.name = childName;
        return addModule(child);
    }

    // ---- the PyTorch view -------------------------------------------------------------------

    /** Direct children as PyTorch sees them (transparent modules flattened). */
    public final List<Module> children() {
        List<Module> out = new ArrayList<>();
        for (Module c : children) {
            if (c.isTransparent()) {
                out.addAll(c.children());
            } else {
                out.add(c);
            }
        }
        return out;
    }

    /** Every module of the tree with its dotted name, this one first under "" (nn.Module.named_modules). */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        out.put("", this);
        for (Module c : children()) {
            c.namedModules().forEach((k, m) -> out.put(k.isEmpty() ? c.name : c.name + "." + k, m));
        }
        return out;
    }

    /** The sub-module at a dotted path relative to this one. */
    public final Module get(String relativePath) {
        Module m = namedModules().get(relativePath);
        if (m == null) {
            throw new IllegalArgumentException(path() + ": no sub-module '" + relativePath + "'");
        }
        return m;
    }

    private void visitOwnParameters(BiConsumer<String, Tensor> f) {
        for (Map.Entry<String, Tensor> p : parameters) {
            f.accept(p.getKey(), p.getValue());
        }
        for (Module c : children) {
            if (c.isTransparent()) {
                c.visitOwnParameters(f);
            }
        }
    }

    private void visitOwnBuffers(boolean persistentOnly, BiConsumer<String, Tensor> f) {
        for (Buffer b : buffers) {
            if (b.persistent || !persistentOnly) {
                f.accept(b.name, b.tensor);
            }
        }
        for (Module c : children) {
            if (c.isTransparent()) {
                c.visitOwnBuffers(persistentOnly, f);
            }
        }
    }

    private static String key(String prefix, String local) {
        return prefix.isEmpty() ? local : local.isEmpty() ? prefix : prefix + "." + local;
    }

    private void visitParameters(String prefix, BiConsumer<String, Tensor> f) {
        visitOwnParameters((n, t) -> f.accept(key(prefix, n), t));
        for (Module c : children()) {
            c.visitParameters(key(prefix, c.name), f);
        }
    }

    private void visitState(String prefix, BiConsumer<String, Tensor> f) {
        visitOwnParameters((n, t) -> f.accept(key(prefix, n), t));
        visitOwnBuffers(true, (n, t) -> f.accept(key(prefix, n), t));
        for (Module c : children()) {
            c.visitState(key(prefix, c.name), f);
        }
    }

    private void visitAllTensors(BiConsumer<String, Tensor> f) {
        visitOwnParameters(f);
        visitOwnBuffers(false, f);
        for (Module c : children()) {
            c.visitAllTensors(f);
        }
    }

    /** Parameters with their dotted names, in PyTorch's order ({@code named_parameters()}). */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visitParameters("", out::put);
        return Collections.unmodifiableMap(out);
    }

    public final List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.numel();
        }
        return n;
    }

    /**
     * Parameters and persistent buffers by state-dict key, in PyTorch's order. The tensors are
     * the module's own (not copies): save them, don't close them.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visitState("", out::put);
        return Collections.unmodifiableMap(out);
    }

    /**
     * Copies values (tensors or checkpoint {@link HostTensor}s, any dtype and device) into this
     * module's parameters and buffers. Strict loading throws when any key is missing,
     * unexpected or of another shape; otherwise matching keys are loaded and the rest reported.
     */
    public final LoadResult loadStateDict(Map<String, ?> values, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<LoadResult.Mismatch> mismatched = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        Map<Tensor, Object> toLoad = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Object v = values.get(e.getKey());
            if (v == null) {
                missing.add(e.getKey());
                continue;
            }
            long[] expected = e.getValue().shape();
            long[] got = switch (v) {
                case Tensor t -> t.shape();
                case HostTensor h -> h.shape();
                default -> throw new IllegalArgumentException(path() + ": value of '" + e.getKey() + "' is a " + v.getClass().getSimpleName() + ", not a tensor");
            };
            if (!java.util.Arrays.equals(expected, got)) {
                mismatched.add(new LoadResult.Mismatch(e.getKey(), expected, got));
            } else {
                toLoad.put(e.getValue(), v);
            }
        }
        LoadResult result = new LoadResult(missing, unexpected, mismatched);
        if (strict && !result.isClean()) {
            throw new IllegalArgumentException("error loading state dict into " + (path().isEmpty() ? "model" : path()) + ": " + result);
        }
        try (GradMode g = GradMode.noGrad(); org.lcl.torch.Scope s = org.lcl.torch.Scope.open()) {
            toLoad.forEach((param, v) -> param.copy_(switch (v) {
                case Tensor t -> t;
                case HostTensor h -> org.lcl.torch.Torch.fromHost(h, org.lcl.torch.Device.CPU);
                default -> throw new IllegalStateException();
            }));
        }
        return result;
    }

    // ---- modes and placement ----------------------------------------------------------------

    /** Sets training mode on the whole tree (dropout and patch dropout act only when training). */
    public Module train(boolean mode) {
        training = mode;
        for (Module c : children) {
            c.train(mode);
        }
        return this;
    }

    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Enables gradient checkpointing of the repeated blocks in this tree (OpenCLIP's
     * {@code set_grad_checkpointing}): in training, each block's activations are recomputed in
     * backward instead of being stored.
     */
    public Module setGradCheckpointing(boolean enable) {
        for (Module c : children) {
            c.setGradCheckpointing(enable);
        }
        return this;
    }

    /** Sets requires_grad on every parameter of this sub-tree ({@code freeze} is {@code requiresGrad_(false)}). */
    public final Module requiresGrad_(boolean requiresGrad) {
        for (Tensor p : parameters()) {
            p.requiresGrad_(requiresGrad);
        }
        return this;
    }

    public final Module freeze() {
        return requiresGrad_(false);
    }

    /**
     * Moves every parameter and buffer to device, and converts the floating-point ones to dtype
     * (null keeps either), as {@code nn.Module.to}. Tensors keep their identity, so optimiser
     * references stay valid.
     */
    public final Module to(Device device, DType dtype) {
        try (GradMode g = GradMode.noGrad(); org.lcl.torch.Scope s = org.lcl.torch.Scope.open()) {
            visitAllTensors((n, t) -> {
                DType target = dtype != null && t.dtype().isFloatingPoint() ? dtype : null;
                t.setData(t.to(device, target, false));
            });
        }
        return this;
    }

    /** Frees every parameter and buffer of this tree. */
    @Override
    public void close() {
        for (Map.Entry<String, Tensor> p : parameters) {
            p.getValue().close();
        }
        for (Buffer b : buffers) {
            b.tensor.close();
        }
        for (Module c : children) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + (path().isEmpty() ? "<root>" : path()) + ")";
    }
}
