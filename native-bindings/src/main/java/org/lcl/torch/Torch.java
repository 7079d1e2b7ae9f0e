package org.lcl.torch;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.lcl.torch.ffi.lcl_torch_h;

/** Tensor creation and library-wide settings: the {@code torch.*} functions. */
public final class Torch {

    static {
        NativeLibrary.ensureLoaded();
    }

    private Torch() {}

    // ---- library --------------------------------------------------------------------------

    /** The libtorch version this library was built against, e.g. {@code "1.13.0"}. */
    public static String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT, 3);
            check(lcl_version(v, v.asSlice(4), v.asSlice(8)), "version");
            return v.getAtIndex(JAVA_INT, 0) + "." + v.getAtIndex(JAVA_INT, 1) + "." + v.getAtIndex(JAVA_INT, 2);
        }
    }

    /** Seeds every generator of libtorch (CPU and CUDA), as {@code torch.manual_seed}. */
    public static void manualSeed(long seed) {
        check(lcl_manual_seed(seed), "manual_seed");
    }

    public static void setNumThreads(int n) {
        check(lcl_set_num_threads(n), "set_num_threads");
    }

    public static int getNumThreads() {
        ThreadState s = ThreadState.current();
        check(lcl_get_num_threads(s.intOut), "get_num_threads");
        return s.intResult();
    }

    // ---- serialization --------------------------------------------------------------------

    /**
     * {@code torch.save}: writes a tensor or a tree of maps (saved as OrderedDict), lists,
     * {@link org.lcl.torch.serialization.PyTuple}s, strings, numbers, booleans, nulls and tensors
     * in PyTorch's zip format, atomically. Python's {@code torch.load} reads the file.
     */
    public static void save(Object tree, java.nio.file.Path file) throws java.io.IOException {
        org.lcl.torch.serialization.TorchSave.save(TensorTrees.toHost(tree), file);
    }

    /** {@code torch.load(file, map_location="cpu")}: the tree with every tensor created in the current scope. */
    public static Object load(java.nio.file.Path file) throws java.io.IOException {
        return load(file, Device.CPU);
    }

    /** A tensor on device holding a copy of a checkpoint tensor. */
    public static Tensor fromHost(org.lcl.torch.serialization.HostTensor h, Device device) {
        return TensorTrees.toTensor(h, device);
    }

    /** {@code torch.load(file, map_location=device)}. */
    public static Object load(java.nio.file.Path file, Device device) throws java.io.IOException {
        return TensorTrees.toDevice(org.lcl.torch.serialization.TorchLoad.load(file), device);
    }

    // ---- creation -------------------------------------------------------------------------

    private interface ShapeCall {
        int call(MemorySegment shape, long ndim, int dtype, int deviceType, int deviceIndex, MemorySegment out);
    }

    private static Tensor create(ShapeCall call, TensorOptions o, long[] shape, String op) {
        ThreadState s = ThreadState.current();
        check(call.call(s.dims(shape), shape.length, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), op);
        return s.take0();
    }

    public static Tensor zeros(long... shape) {
        return zeros(TensorOptions.DEFAULT, shape);
    }

    public static Tensor zeros(TensorOptions o, long... shape) {
        return create(lcl_torch_h::lcl_zeros, o, shape, "zeros");
    }

    public static Tensor ones(long... shape) {
        return ones(TensorOptions.DEFAULT, shape);
    }

    public static Tensor ones(TensorOptions o, long... shape) {
        return create(lcl_torch_h::lcl_ones, o, shape, "ones");
    }

    public static Tensor randn(long... shape) {
        return randn(TensorOptions.DEFAULT, shape);
    }

    public static Tensor randn(TensorOptions o, long... shape) {
        return create(lcl_torch_h::lcl_randn, o, shape, "randn");
    }

    public static Tensor rand(long... shape) {
        return rand(TensorOptions.DEFAULT, shape);
    }

    public static Tensor rand(TensorOptions o, long... shape) {
        return create(lcl_torch_h::lcl_rand, o, shape, "rand");
    }

    /** Uninitialised memory, as {@code torch.empty}. */
    public static Tensor empty(TensorOptions o, long... shape) {
        return empty(o, false, shape);
    }

    /** Uninitialised memory; pinned (page-locked) host memory when pinMemory is set. */
    public static Tensor empty(TensorOptions o, boolean pinMemory, long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_empty(s.dims(shape), shape.length, o.dtype().code(), o.device().type().code(), o.device().index(),
                pinMemory ? 1 : 0, s.out0), "empty");
        return s.take0();
    }

    public static Tensor full(double value, long... shape) {
        return full(value, TensorOptions.DEFAULT, shape);
    }

    public static Tensor full(double value, TensorOptions o, long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_full(s.dims(shape), shape.length, value, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "full");
        return s.take0();
    }

    /** A 0-dimensional tensor holding value. */
    public static Tensor scalar(double value, TensorOptions o) {
        return full(value, o);
    }

    public static Tensor scalar(double value) {
        return full(value, TensorOptions.DEFAULT);
    }

    /** {@code torch.arange(end)}: int64 0, 1, ..., end - 1. */
    public static Tensor arange(long end) {
        return arange(0, end, 1, TensorOptions.of(DType.INT64));
    }

    public static Tensor arange(double start, double end, double step, TensorOptions o) {
        ThreadState s = ThreadState.current();
        check(lcl_arange(start, end, step, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "arange");
        return s.take0();
    }

    public static Tensor linspace(double start, double end, long steps, TensorOptions o) {
        ThreadState s = ThreadState.current();
        check(lcl_linspace(start, end, steps, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "linspace");
        return s.take0();
    }

    /** Integers uniform in [low, high), int64 unless o says otherwise. */
    public static Tensor randint(long low, long high, TensorOptions o, long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_randint(low, high, s.dims(shape), shape.length, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "randint");
        return s.take0();
    }

    public static Tensor randperm(long n, TensorOptions o) {
        ThreadState s = ThreadState.current();
        check(lcl_randperm(n, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "randperm");
        return s.take0();
    }

    private interface LikeCall {
        int call(MemorySegment t, int dtype, MemorySegment out);
    }

    private static Tensor like(LikeCall call, Tensor t, DType dtype, String op) {
        ThreadState s = ThreadState.current();
        check(call.call(t.handle(), dtype == null ? -1 : dtype.code(), s.out0), op);
        return s.take0();
    }

    public static Tensor zerosLike(Tensor t) {
        return like(lcl_torch_h::lcl_zeros_like, t, null, "zeros_like");
    }

    public static Tensor zerosLike(Tensor t, DType dtype) {
        return like(lcl_torch_h::lcl_zeros_like, t, dtype, "zeros_like");
    }

    public static Tensor onesLike(Tensor t) {
        return like(lcl_torch_h::lcl_ones_like, t, null, "ones_like");
    }

    public static Tensor onesLike(Tensor t, DType dtype) {
        return like(lcl_torch_h::lcl_ones_like, t, dtype, "ones_like");
    }

    public static Tensor emptyLike(Tensor t) {
        return like(lcl_torch_h::lcl_empty_like, t, null, "empty_like");
    }

    public static Tensor randnLike(Tensor t) {
        return like(lcl_torch_h::lcl_randn_like, t, null, "randn_like");
    }

    public static Tensor randLike(Tensor t) {
        return like(lcl_torch_h::lcl_rand_like, t, null, "rand_like");
    }

    public static Tensor fullLike(Tensor t, double value) {
        ThreadState s = ThreadState.current();
        check(lcl_full_like(t.handle(), value, -1, s.out0), "full_like");
        return s.take0();
    }

    // ---- from Java data -------------------------------------------------------------------

    /** A tensor holding a copy of host memory laid out row-major with the given dtype and shape. */
    public static Tensor fromMemory(MemorySegment data, TensorOptions o, long... shape) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        long expected = numel * o.dtype().elementSize();
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("data has " + data.byteSize() + " bytes but shape " + Arrays.toString(shape)
                    + " of " + o.dtype() + " needs " + expected);
        }
        if (!data.isNative()) {
            // Native code cannot read the Java heap: copy heap segments (e.g. MemorySegment.ofArray) first.
            try (Arena a = Arena.ofConfined()) {
                return fromMemory(a.allocate(data.byteSize(), 8).copyFrom(data), o, shape);
            }
        }
        ThreadState s = ThreadState.current();
        check(lcl_from_data(data, s.dims(shape), shape.length, o.dtype().code(), o.device().type().code(), o.device().index(), s.out0), "from_data");
        return s.take0();
    }

    private static Tensor fromArray(Object array, ValueLayout layout, long length, DType dtype, long[] shape) {
        long[] sh = shape.length == 0 ? new long[] {length} : shape;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(layout.byteSize() * length, 8);
            switch (array) {
                case float[] f -> MemorySegment.copy(f, 0, seg, (ValueLayout.OfFloat) layout, 0, f.length);
                case double[] d -> MemorySegment.copy(d, 0, seg, (ValueLayout.OfDouble) layout, 0, d.length);
                case long[] l -> MemorySegment.copy(l, 0, seg, (ValueLayout.OfLong) layout, 0, l.length);
                case int[] i -> MemorySegment.copy(i, 0, seg, (ValueLayout.OfInt) layout, 0, i.length);
                case byte[] b -> MemorySegment.copy(b, 0, seg, (ValueLayout.OfByte) layout, 0, b.length);
                default -> throw new IllegalArgumentException("unsupported array type " + array.getClass());
            }
            return fromMemory(seg, TensorOptions.of(dtype), sh);
        }
    }

    /** A float32 tensor from data; a 1-D tensor when no shape is given. */
    public static Tensor tensor(float[] data, long... shape) {
        return fromArray(data, ValueLayout.JAVA_FLOAT, data.length, DType.FLOAT32, shape);
    }

    public static Tensor tensor(double[] data, long... shape) {
        return fromArray(data, ValueLayout.JAVA_DOUBLE, data.length, DType.FLOAT64, shape);
    }

    public static Tensor tensor(long[] data, long... shape) {
        return fromArray(data, ValueLayout.JAVA_LONG, data.length, DType.INT64, shape);
    }

    public static Tensor tensor(int[] data, long... shape) {
        return fromArray(data, ValueLayout.JAVA_INT, data.length, DType.INT32, shape);
    }

    public static Tensor tensor(boolean[] data, long... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return fromArray(b, ValueLayout.JAVA_BYTE, b.length, DType.BOOL, shape);
    }

    /** A tensor from raw little-endian element bytes of the given dtype (uint8 images, bf16 weights, ...). */
    public static Tensor tensor(byte[] data, DType dtype, long... shape) {
        try (Arena a = Arena.ofConfined()) {
            return fromMemory(a.allocateFrom(ValueLayout.JAVA_BYTE, data), TensorOptions.of(dtype), shape);
        }
    }

    // ---- combining ------------------------------------------------------------------------

    public static Tensor cat(List<Tensor> tensors, long dim) {
        return combine(tensors, dim, true);
    }

    public static Tensor cat(List<Tensor> tensors) {
        return combine(tensors, 0, true);
    }

    public static Tensor stack(List<Tensor> tensors, long dim) {
        return combine(tensors, dim, false);
    }

    public static Tensor stack(List<Tensor> tensors) {
        return combine(tensors, 0, false);
    }

    private static Tensor combine(List<Tensor> tensors, long dim, boolean cat) {
        ThreadState s = ThreadState.current();
        String op = cat ? "cat" : "stack";
        if (tensors.size() <= ThreadState.MAX_HANDLES) {
            MemorySegment hs = s.handles(tensors, null);
            check(cat ? lcl_cat(hs, tensors.size(), dim, s.out0) : lcl_stack(hs, tensors.size(), dim, s.out0), op);
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment hs = s.handles(tensors, a);
                check(cat ? lcl_cat(hs, tensors.size(), dim, s.out0) : lcl_stack(hs, tensors.size(), dim, s.out0), op);
            }
        }
        return s.take0();
    }

    /** {@code torch.where(cond, a, b)}. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        ThreadState s = ThreadState.current();
        check(lcl_where(cond.handle(), a.handle(), b.handle(), s.out0), "where");
        return s.take0();
    }

    // ---- safetensors ----------------------------------------------------------------------

    /**
     * {@code safetensors.torch.save_file(tensors, file, metadata)}: copies each tensor to host memory and writes
     * {@code file} atomically (see {@link org.lcl.torch.serialization.Safetensors#write}); {@code metadata} may be
     * null. Gradient flags and devices are not part of the format.
     */
    public static void saveSafetensors(java.util.Map<String, Tensor> tensors, java.util.Map<String, String> metadata,
            java.nio.file.Path file) throws java.io.IOException {
        java.util.Map<String, org.lcl.torch.serialization.HostTensor> host = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("null tensor for '" + e.getKey() + "'");
            }
            host.put(e.getKey(), (org.lcl.torch.serialization.HostTensor) TensorTrees.toHost(e.getValue()));
        }
        org.lcl.torch.serialization.Safetensors.write(host, metadata, file);
    }

    /**
     * {@code safetensors.torch.load_file(file, device)}: every tensor of {@code file}, in header order, created on
     * {@code device} in the current scope. The file's metadata is
     * {@link org.lcl.torch.serialization.Safetensors#metadata}.
     */
    public static java.util.LinkedHashMap<String, Tensor> loadSafetensors(java.nio.file.Path file, Device device)
            throws java.io.IOException {
        java.util.LinkedHashMap<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (var e : org.lcl.torch.serialization.Safetensors.read(file).entrySet()) {
            out.put(e.getKey(), TensorTrees.toTensor(e.getValue(), device));
        }
        return out;
    }
}
