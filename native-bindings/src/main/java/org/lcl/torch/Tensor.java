package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A libtorch tensor. Methods follow PyTorch's names, defaults and semantics (broadcasting, type
 * promotion); in-place methods end in an underscore as in PyTorch. A {@code long} scalar acts
 * as a Python {@code int} ({@code ids.add(1)} stays int64) and a {@code double} as a Python
 * {@code float} ({@code ids.add(1.0)} is float32), as in PyTorch.
 *
 * <p>Every tensor is owned by the {@link Scope} open on its thread when it was created, and is
 * freed when that scope closes; outside any scope the caller owns it and must {@link #close()} it
 * (a Cleaner frees it after garbage collection only as a backstop). Using a closed tensor throws
 * {@link IllegalStateException}; closing twice is harmless.
 */
public final class Tensor implements AutoCloseable {

    static {
        NativeLibrary.ensureLoaded();
    }

    private static final Cleaner CLEANER = Cleaner.create();
    private static final VarHandle HANDLE;

    static {
        try {
            HANDLE = MethodHandles.lookup().findVarHandle(Tensor.class, "handle", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The lcl_tensor* as an address, 0 once closed. A long rather than a MemorySegment: the
     * segment is made where a downcall takes it, and C2 removes that allocation, so wrapping a
     * result allocates only the Tensor.
     */
    @SuppressWarnings("unused") // accessed through HANDLE as well
    private volatile long handle;
    /** The scope owning this tensor and its slot there; null for caller-owned tensors. */
    Scope owner;
    int slot;
    /** For caller-owned tensors: the backstop that frees the handle if close() is never called. */
    private Releaser releaser;
    private Cleaner.Cleanable cleanable;

    private Tensor(long handle) {
        // A release store: a plain volatile write would cost a full fence (StoreLoad) for every
        // tensor created; the tensor reaches other threads only through a happens-before edge.
        HANDLE.setRelease(this, handle);
    }

    /** Wraps a fresh handle (its address) produced by the C API, giving it to the thread's innermost scope. */
    static Tensor adopt(long handle, ThreadState state) {
        Tensor t = new Tensor(handle);
        Scope scope = state.scope;
        if (scope != null) {
            scope.add(t);
        } else {
            t.registerCleaner();
        }
        return t;
    }

    private void registerCleaner() {
        releaser = new Releaser(handle);
        cleanable = CLEANER.register(this, releaser);
    }

    private static final class Releaser implements Runnable {
        private volatile long handle;

        Releaser(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            long h = handle;
            handle = 0;
            if (h != 0) {
                lcl_tensor_free(MemorySegment.ofAddress(h));
            }
        }
    }

    /** The native handle; throws when this tensor has been closed. */
    MemorySegment handle() {
        long h = handle;
        if (h == 0) {
            throw new IllegalStateException("tensor is closed (used after close() or after its scope closed)");
        }
        return MemorySegment.ofAddress(h);
    }

    /**
     * The {@code lcl_tensor*} behind this tensor, for native code built against lcl_torch.h (it is
     * libtorch's {@code TensorImpl*}). Borrowed: valid only while this tensor is open; native code
     * must not free it, and takes its own reference with {@code lcl_tensor_share} to keep it longer.
     * Throws when this tensor has been closed.
     */
    public MemorySegment nativeHandle() {
        return handle();
    }

    public boolean isClosed() {
        return handle == 0;
    }

    /** Frees the native tensor now. Later uses throw; a second close does nothing. */
    @Override
    public void close() {
        Scope s = owner;
        // Only the owning thread touches its scope's slots; from elsewhere, freeing is enough
        // (the scope skips a freed tensor when it closes).
        if (s != null && s.isOwnedByCurrentThread()) {
            s.remove(this);
        }
        free();
    }

    /** Releases the handle exactly once, whoever calls (close, scope close, Cleaner). */
    void free() {
        long h = (long) HANDLE.getAndSet(this, 0L);
        if (h == 0) {
            return;
        }
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
            cleanable = null;
            c.clean();
        } else {
            lcl_tensor_free(MemorySegment.ofAddress(h));
        }
    }

    // ---- ownership ------------------------------------------------------------------------

    /** Gives up ownership of the handle without freeing it (it now belongs to native code). */
    MemorySegment release() {
        Scope s = owner;
        if (s != null) {
            s.remove(this);
        }
        long h = (long) HANDLE.getAndSet(this, 0L);
        if (h == 0) {
            throw new IllegalStateException("tensor is closed");
        }
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
            releaser.handle = 0;
            cleanable = null;
            c.clean();
        }
        return MemorySegment.ofAddress(h);
    }

    /** Moves this tensor to the scope enclosing its current one (caller-owned if there is none). */
    public Tensor moveOut() {
        handle();
        Scope s = owner;
        if (s == null) {
            return this;
        }
        s.remove(this);
        Scope parent = s.parent();
        if (parent != null) {
            parent.add(this);
        } else {
            registerCleaner();
        }
        return this;
    }

    /** Moves this tensor into the given open scope of the calling thread. */
    public Tensor moveTo(Scope target) {
        handle();
        target.checkOpen();
        if (!target.isOwnedByCurrentThread()) {
            throw new IllegalStateException("a tensor can only be moved into a scope of the calling thread");
        }
        if (owner == target) {
            return this;
        }
        if (owner != null) {
            owner.remove(this);
        } else if (cleanable != null) {
            releaser.handle = 0;
            cleanable.clean();
            cleanable = null;
            releaser = null;
        }
        target.add(this);
        return this;
    }

    /** Takes this tensor out of every scope: long-lived, freed by {@link #close()} (parameters, optimiser state). */
    public Tensor keep() {
        handle();
        if (owner != null) {
            owner.remove(this);
            registerCleaner();
        }
        return this;
    }

    /** The scope that owns this tensor, or null when the caller owns it. */
    public Scope scope() {
        return owner;
    }

    /** A new Java handle to the same tensor (like {@code b = a} in Python), owned by the current scope. */
    public Tensor share() {
        ThreadState s = ThreadState.current();
        check(lcl_tensor_share(handle(), s.out0), "share");
        return s.take0();
    }

    // ---- metadata -------------------------------------------------------------------------

    public long[] shape() {
        ThreadState s = ThreadState.current();
        check(lcl_shape(handle(), s.longs, ThreadState.MAX_DIMS, s.longOut), "shape");
        int n = (int) s.longResult();
        return s.longs.asSlice(0, 8L * n).toArray(JAVA_LONG);
    }

    /** Size of one dimension; negative dims count from the end. */
    public long size(int dim) {
        long[] shape = shape();
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= shape.length) {
            throw new IndexOutOfBoundsException("dimension " + dim + " out of range for a tensor of shape " + Arrays.toString(shape));
        }
        return shape[d];
    }

    public long[] strides() {
        ThreadState s = ThreadState.current();
        check(lcl_strides(handle(), s.longs, ThreadState.MAX_DIMS, s.longOut), "strides");
        int n = (int) s.longResult();
        return s.longs.asSlice(0, 8L * n).toArray(JAVA_LONG);
    }

    public int dim() {
        ThreadState s = ThreadState.current();
        check(lcl_dim(handle(), s.longOut), "dim");
        return (int) s.longResult();
    }

    public long numel() {
        ThreadState s = ThreadState.current();
        check(lcl_numel(handle(), s.longOut), "numel");
        return s.longResult();
    }

    public DType dtype() {
        ThreadState s = ThreadState.current();
        check(lcl_dtype(handle(), s.intOut), "dtype");
        return DType.fromCode(s.intResult());
    }

    public Device device() {
        ThreadState s = ThreadState.current();
        check(lcl_device(handle(), s.intOut, s.intOut2), "device");
        Device.Type type = Device.Type.fromCode(s.intResult());
        return type == Device.Type.CPU ? Device.CPU : new Device(type, Math.max(0, s.intOut2.get(ValueLayout.JAVA_INT, 0)));
    }

    public boolean requiresGrad() {
        ThreadState s = ThreadState.current();
        check(lcl_requires_grad(handle(), s.intOut), "requires_grad");
        return s.intResult() != 0;
    }

    public boolean isContiguous() {
        ThreadState s = ThreadState.current();
        check(lcl_is_contiguous(handle(), s.intOut), "is_contiguous");
        return s.intResult() != 0;
    }

    public boolean isPinned() {
        ThreadState s = ThreadState.current();
        check(lcl_is_pinned(handle(), s.intOut), "is_pinned");
        return s.intResult() != 0;
    }

    public boolean isLeaf() {
        ThreadState s = ThreadState.current();
        check(lcl_is_leaf(handle(), s.intOut), "is_leaf");
        return s.intResult() != 0;
    }

    // ---- data movement --------------------------------------------------------------------

    /** The value of a one-element tensor. */
    public double item() {
        ThreadState s = ThreadState.current();
        check(lcl_item_double(handle(), s.doubleOut), "item");
        return s.doubleResult();
    }

    public long itemLong() {
        ThreadState s = ThreadState.current();
        check(lcl_item_int64(handle(), s.longOut), "item");
        return s.longResult();
    }

    /** Copies all elements, row-major, into host memory of exactly {@code numel * elementSize} bytes. */
    public void copyTo(MemorySegment dst) {
        check(lcl_copy_to_host(handle(), dst, dst.byteSize()), "copy_to_host");
    }

    /** Overwrites all elements from row-major host memory of exactly {@code numel * elementSize} bytes. */
    public Tensor copyFrom(MemorySegment src) {
        check(lcl_copy_from_host(handle(), src, src.byteSize()), "copy_from_host");
        return this;
    }

    private MemorySegment hostCopy(Arena arena, DType expected) {
        DType d = dtype();
        if (d != expected) {
            throw new IllegalArgumentException("tensor has dtype " + d + ", not " + expected + " (convert with to(" + expected.name() + ") first)");
        }
        MemorySegment seg = arena.allocate(numel() * d.elementSize(), 8);
        copyTo(seg);
        return seg;
    }

    public float[] toFloatArray() {
        try (Arena a = Arena.ofConfined()) {
            return hostCopy(a, DType.FLOAT32).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    public double[] toDoubleArray() {
        try (Arena a = Arena.ofConfined()) {
            return hostCopy(a, DType.FLOAT64).toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    public long[] toLongArray() {
        try (Arena a = Arena.ofConfined()) {
            return hostCopy(a, DType.INT64).toArray(JAVA_LONG);
        }
    }

    public int[] toIntArray() {
        try (Arena a = Arena.ofConfined()) {
            return hostCopy(a, DType.INT32).toArray(ValueLayout.JAVA_INT);
        }
    }

    public boolean[] toBooleanArray() {
        try (Arena a = Arena.ofConfined()) {
            byte[] b = hostCopy(a, DType.BOOL).toArray(ValueLayout.JAVA_BYTE);
            boolean[] r = new boolean[b.length];
            for (int i = 0; i < b.length; i++) {
                r[i] = b[i] != 0;
            }
            return r;
        }
    }

    /** The raw bytes of the elements, row-major, in native (little-endian) order. */
    public byte[] toByteArray() {
        try (Arena a = Arena.ofConfined()) {
            return hostCopy(a, dtype()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    public Tensor to(DType dtype) {
        return to(null, dtype, false);
    }

    public Tensor to(Device device) {
        return to(device, null, false);
    }

    /** Converts dtype and/or device (null keeps it); returns this tensor's data itself when nothing changes. */
    public Tensor to(Device device, DType dtype, boolean nonBlocking) {
        ThreadState s = ThreadState.current();
        check(lcl_to(handle(), dtype == null ? -1 : dtype.code(), device == null ? -1 : device.type().code(),
                device == null ? -1 : device.index(), nonBlocking ? 1 : 0, 0, s.out0), "to");
        return s.take0();
    }

    public Tensor cpu() {
        return to(Device.CPU);
    }

    public Tensor cuda() {
        return to(Device.cuda(0));
    }

    /** A copy in page-locked host memory, for asynchronous host-to-device copies. */
    public Tensor pinMemory() {
        ThreadState s = ThreadState.current();
        check(lcl_pin_memory(handle(), s.out0), "pin_memory");
        return s.take0();
    }

    public Tensor clone() {
        ThreadState s = ThreadState.current();
        check(lcl_clone(handle(), s.out0), "clone");
        return s.take0();
    }

    // ---- in-place initialisation and updates ---------------------------------------------

    public Tensor normal_(double mean, double std) {
        check(lcl_normal_(handle(), mean, std), "normal_");
        return this;
    }

    public Tensor uniform_(double from, double to) {
        check(lcl_uniform_(handle(), from, to), "uniform_");
        return this;
    }

    public Tensor fill_(double value) {
        check(lcl_fill_(handle(), value), "fill_");
        return this;
    }

    public Tensor zero_() {
        check(lcl_zero_(handle()), "zero_");
        return this;
    }

    public Tensor copy_(Tensor src) {
        return copy_(src, false);
    }

    public Tensor copy_(Tensor src, boolean nonBlocking) {
        check(lcl_copy_(handle(), src.handle(), nonBlocking ? 1 : 0), "copy_");
        return this;
    }

    public Tensor add_(Tensor other) {
        return add_(other, 1.0);
    }

    /** {@code this += alpha * other}. */
    public Tensor add_(Tensor other, double alpha) {
        check(lcl_add_(handle(), other.handle(), alpha), "add_");
        return this;
    }

    public Tensor add_(double value) {
        check(lcl_add_scalar_(handle(), value), "add_");
        return this;
    }

    public Tensor mul_(Tensor other) {
        check(lcl_mul_(handle(), other.handle()), "mul_");
        return this;
    }

    public Tensor mul_(double value) {
        check(lcl_mul_scalar_(handle(), value), "mul_");
        return this;
    }

    /** {@code this += value * t1 * t2}. */
    public Tensor addcmul_(Tensor t1, Tensor t2, double value) {
        check(lcl_addcmul_(handle(), t1.handle(), t2.handle(), value), "addcmul_");
        return this;
    }

    /** {@code this += value * t1 / t2}. */
    public Tensor addcdiv_(Tensor t1, Tensor t2, double value) {
        check(lcl_addcdiv_(handle(), t1.handle(), t2.handle(), value), "addcdiv_");
        return this;
    }

    public Tensor lerp_(Tensor end, double weight) {
        check(lcl_lerp_(handle(), end.handle(), weight), "lerp_");
        return this;
    }

    public Tensor clamp_(double min, double max) {
        check(lcl_clamp_(handle(), min, max), "clamp_");
        return this;
    }

    public Tensor maskedFill_(Tensor mask, double value) {
        check(lcl_masked_fill_(handle(), mask.handle(), value), "masked_fill_");
        return this;
    }

    /** {@code this[index] = values} (or {@code +=} with accumulate), in place. */
    public Tensor indexPut_(Tensor index, Tensor values, boolean accumulate) {
        check(lcl_index_put_(handle(), index.handle(), values.handle(), accumulate ? 1 : 0), "index_put_");
        return this;
    }

    // ---- views and shape ------------------------------------------------------------------

    public Tensor contiguous() {
        ThreadState s = ThreadState.current();
        check(lcl_contiguous(handle(), s.out0), "contiguous");
        return s.take0();
    }

    public Tensor view(long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_view(handle(), s.dims(shape), shape.length, s.out0), "view");
        return s.take0();
    }

    public Tensor reshape(long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_reshape(handle(), s.dims(shape), shape.length, s.out0), "reshape");
        return s.take0();
    }

    public Tensor permute(long... dims) {
        ThreadState s = ThreadState.current();
        check(lcl_permute(handle(), s.dims(dims), dims.length, s.out0), "permute");
        return s.take0();
    }

    public Tensor transpose(long dim0, long dim1) {
        ThreadState s = ThreadState.current();
        check(lcl_transpose(handle(), dim0, dim1, s.out0), "transpose");
        return s.take0();
    }

    /** The transpose of a 2-D tensor ({@code t.T} / {@code t.t()}). */
    public Tensor t() {
        return transpose(0, 1);
    }

    public Tensor squeeze() {
        ThreadState s = ThreadState.current();
        check(lcl_squeeze(handle(), s.out0), "squeeze");
        return s.take0();
    }

    public Tensor squeeze(long dim) {
        ThreadState s = ThreadState.current();
        check(lcl_squeeze_dim(handle(), dim, s.out0), "squeeze");
        return s.take0();
    }

    public Tensor unsqueeze(long dim) {
        ThreadState s = ThreadState.current();
        check(lcl_unsqueeze(handle(), dim, s.out0), "unsqueeze");
        return s.take0();
    }

    public Tensor flatten() {
        return flatten(0, -1);
    }

    public Tensor flatten(long startDim, long endDim) {
        ThreadState s = ThreadState.current();
        check(lcl_flatten(handle(), startDim, endDim, s.out0), "flatten");
        return s.take0();
    }

    /** Python's {@code t[..., start:end, ...]} along dim (step 1). */
    public Tensor slice(long dim, long start, long end) {
        return slice(dim, start, end, 1);
    }

    /** Python's {@code t[..., start:end:step, ...]} along dim; use {@link Long#MAX_VALUE} for an open end. */
    public Tensor slice(long dim, long start, long end, long step) {
        ThreadState s = ThreadState.current();
        check(lcl_slice(handle(), dim, start, end, step, s.out0), "slice");
        return s.take0();
    }

    public Tensor narrow(long dim, long start, long length) {
        ThreadState s = ThreadState.current();
        check(lcl_narrow(handle(), dim, start, length, s.out0), "narrow");
        return s.take0();
    }

    public Tensor select(long dim, long index) {
        ThreadState s = ThreadState.current();
        check(lcl_select(handle(), dim, index, s.out0), "select");
        return s.take0();
    }

    public Tensor expand(long... shape) {
        ThreadState s = ThreadState.current();
        check(lcl_expand(handle(), s.dims(shape), shape.length, s.out0), "expand");
        return s.take0();
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape());
    }

    public Tensor repeat(long... repeats) {
        ThreadState s = ThreadState.current();
        check(lcl_repeat(handle(), s.dims(repeats), repeats.length, s.out0), "repeat");
        return s.take0();
    }

    public List<Tensor> split(long splitSize, long dim) {
        long n = Math.max(1, (size((int) dim) + splitSize - 1) / Math.max(1, splitSize));
        return parts((s, outs, cap) -> lcl_split(handle(), splitSize, dim, outs, cap, s.longOut), (int) n, "split");
    }

    public List<Tensor> split(long[] sizes, long dim) {
        return parts((s, outs, cap) -> {
            try (Arena a = Arena.ofConfined()) {
                return lcl_split_sizes(handle(), s.dims(sizes, a), sizes.length, dim, outs, cap, s.longOut);
            }
        }, sizes.length, "split_with_sizes");
    }

    public List<Tensor> chunk(long chunks, long dim) {
        return parts((s, outs, cap) -> lcl_chunk(handle(), chunks, dim, outs, cap, s.longOut), (int) chunks, "chunk");
    }

    @FunctionalInterface
    private interface ListCall {
        int call(ThreadState s, MemorySegment outs, long capacity);
    }

    private static List<Tensor> parts(ListCall call, int expected, String op) {
        ThreadState s = ThreadState.current();
        int cap = Math.max(expected, 1);
        if (cap <= ThreadState.MAX_HANDLES) {
            return collect(call, s, s.handleOutputs(cap, null), cap, op);
        }
        try (Arena a = Arena.ofConfined()) {
            return collect(call, s, s.handleOutputs(cap, a), cap, op);
        }
    }

    private static List<Tensor> collect(ListCall call, ThreadState s, MemorySegment outs, int cap, String op) {
        check(call.call(s, outs, cap), op);
        int n = (int) s.longResult();
        List<Tensor> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            r.add(adopt(outs.getAtIndex(JAVA_LONG, i), s));
        }
        return r;
    }

    // ---- indexing -------------------------------------------------------------------------

    public Tensor indexSelect(long dim, Tensor index) {
        ThreadState s = ThreadState.current();
        check(lcl_index_select(handle(), dim, index.handle(), s.out0), "index_select");
        return s.take0();
    }

    public Tensor gather(long dim, Tensor index) {
        ThreadState s = ThreadState.current();
        check(lcl_gather(handle(), dim, index.handle(), s.out0), "gather");
        return s.take0();
    }

    public Tensor scatter(long dim, Tensor index, Tensor src) {
        ThreadState s = ThreadState.current();
        check(lcl_scatter(handle(), dim, index.handle(), src.handle(), s.out0), "scatter");
        return s.take0();
    }

    public Tensor scatterAdd(long dim, Tensor index, Tensor src) {
        ThreadState s = ThreadState.current();
        check(lcl_scatter_add(handle(), dim, index.handle(), src.handle(), s.out0), "scatter_add");
        return s.take0();
    }

    public Tensor maskedFill(Tensor mask, double value) {
        ThreadState s = ThreadState.current();
        check(lcl_masked_fill(handle(), mask.handle(), value, s.out0), "masked_fill");
        return s.take0();
    }

    public Tensor maskedSelect(Tensor mask) {
        ThreadState s = ThreadState.current();
        check(lcl_masked_select(handle(), mask.handle(), s.out0), "masked_select");
        return s.take0();
    }

    public Tensor nonzero() {
        ThreadState s = ThreadState.current();
        check(lcl_nonzero(handle(), s.out0), "nonzero");
        return s.take0();
    }

    /** {@code t[index]} with a boolean mask or an integer index tensor. */
    public Tensor index(Tensor index) {
        ThreadState s = ThreadState.current();
        check(lcl_index(handle(), index.handle(), s.out0), "index");
        return s.take0();
    }

    /** Out of place {@code t[index] = values} (differentiable in both); accumulate adds instead. */
    public Tensor indexPut(Tensor index, Tensor values, boolean accumulate) {
        ThreadState s = ThreadState.current();
        check(lcl_index_put(handle(), index.handle(), values.handle(), accumulate ? 1 : 0, s.out0), "index_put");
        return s.take0();
    }

    // ---- elementwise math -----------------------------------------------------------------

    public Tensor add(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_add(handle(), other.handle(), 1.0, s.out0), "add");
        return s.take0();
    }

    /** {@code this + alpha * other}. */
    public Tensor add(Tensor other, double alpha) {
        ThreadState s = ThreadState.current();
        check(lcl_add(handle(), other.handle(), alpha, s.out0), "add");
        return s.take0();
    }

    public Tensor add(double other) {
        ThreadState s = ThreadState.current();
        check(lcl_add_scalar(handle(), other, s.out0), "add");
        return s.take0();
    }

    public Tensor add(long other) {
        ThreadState s = ThreadState.current();
        check(lcl_add_scalar_int(handle(), other, s.out0), "add");
        return s.take0();
    }

    public Tensor sub(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_sub(handle(), other.handle(), 1.0, s.out0), "sub");
        return s.take0();
    }

    public Tensor sub(double other) {
        ThreadState s = ThreadState.current();
        check(lcl_sub_scalar(handle(), other, s.out0), "sub");
        return s.take0();
    }

    public Tensor sub(long other) {
        ThreadState s = ThreadState.current();
        check(lcl_sub_scalar_int(handle(), other, s.out0), "sub");
        return s.take0();
    }

    /** {@code other - this} ({@code torch.rsub}). */
    public Tensor rsub(double other) {
        ThreadState s = ThreadState.current();
        check(lcl_rsub_scalar(handle(), other, s.out0), "rsub");
        return s.take0();
    }

    public Tensor rsub(long other) {
        ThreadState s = ThreadState.current();
        check(lcl_rsub_scalar_int(handle(), other, s.out0), "rsub");
        return s.take0();
    }

    public Tensor mul(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_mul(handle(), other.handle(), s.out0), "mul");
        return s.take0();
    }

    public Tensor mul(double other) {
        ThreadState s = ThreadState.current();
        check(lcl_mul_scalar(handle(), other, s.out0), "mul");
        return s.take0();
    }

    public Tensor mul(long other) {
        ThreadState s = ThreadState.current();
        check(lcl_mul_scalar_int(handle(), other, s.out0), "mul");
        return s.take0();
    }

    public Tensor div(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_div(handle(), other.handle(), s.out0), "div");
        return s.take0();
    }

    public Tensor div(double other) {
        ThreadState s = ThreadState.current();
        check(lcl_div_scalar(handle(), other, s.out0), "div");
        return s.take0();
    }

    public Tensor pow(Tensor exponent) {
        ThreadState s = ThreadState.current();
        check(lcl_pow(handle(), exponent.handle(), s.out0), "pow");
        return s.take0();
    }

    public Tensor pow(double exponent) {
        ThreadState s = ThreadState.current();
        check(lcl_pow_scalar(handle(), exponent, s.out0), "pow");
        return s.take0();
    }

    public Tensor maximum(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_maximum(handle(), other.handle(), s.out0), "maximum");
        return s.take0();
    }

    public Tensor minimum(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_minimum(handle(), other.handle(), s.out0), "minimum");
        return s.take0();
    }

    private Tensor unary(int op, String name) {
        ThreadState s = ThreadState.current();
        check(lcl_unary(handle(), op, s.out0), name);
        return s.take0();
    }

    public Tensor neg() { return unary(LCL_NEG(), "neg"); }
    public Tensor abs() { return unary(LCL_ABS(), "abs"); }
    public Tensor exp() { return unary(LCL_EXP(), "exp"); }
    public Tensor log() { return unary(LCL_LOG(), "log"); }
    public Tensor sqrt() { return unary(LCL_SQRT(), "sqrt"); }
    public Tensor rsqrt() { return unary(LCL_RSQRT(), "rsqrt"); }
    public Tensor tanh() { return unary(LCL_TANH(), "tanh"); }
    public Tensor sigmoid() { return unary(LCL_SIGMOID(), "sigmoid"); }
    public Tensor relu() { return unary(LCL_RELU(), "relu"); }
    public Tensor sin() { return unary(LCL_SIN(), "sin"); }
    public Tensor cos() { return unary(LCL_COS(), "cos"); }
    public Tensor reciprocal() { return unary(LCL_RECIPROCAL(), "reciprocal"); }
    public Tensor square() { return unary(LCL_SQUARE(), "square"); }
    public Tensor log1p() { return unary(LCL_LOG1P(), "log1p"); }
    public Tensor expm1() { return unary(LCL_EXPM1(), "expm1"); }
    public Tensor sign() { return unary(LCL_SIGN(), "sign"); }
    public Tensor floor() { return unary(LCL_FLOOR(), "floor"); }
    public Tensor ceil() { return unary(LCL_CEIL(), "ceil"); }
    public Tensor round() { return unary(LCL_ROUND(), "round"); }
    public Tensor logicalNot() { return unary(LCL_LOGICAL_NOT(), "logical_not"); }
    public Tensor silu() { return unary(LCL_SILU(), "silu"); }
    public Tensor erf() { return unary(LCL_ERF(), "erf"); }

    public Tensor clamp(double min, double max) {
        ThreadState s = ThreadState.current();
        check(lcl_clamp(handle(), min, max, s.out0), "clamp");
        return s.take0();
    }

    public Tensor clampMin(double min) {
        ThreadState s = ThreadState.current();
        check(lcl_clamp_min(handle(), min, s.out0), "clamp_min");
        return s.take0();
    }

    public Tensor clampMax(double max) {
        ThreadState s = ThreadState.current();
        check(lcl_clamp_max(handle(), max, s.out0), "clamp_max");
        return s.take0();
    }

    private Tensor compare(Tensor other, int op, String name) {
        ThreadState s = ThreadState.current();
        check(lcl_compare(handle(), other.handle(), op, s.out0), name);
        return s.take0();
    }

    private Tensor compare(double other, int op, String name) {
        ThreadState s = ThreadState.current();
        check(lcl_compare_scalar(handle(), other, op, s.out0), name);
        return s.take0();
    }

    public Tensor eq(Tensor other) { return compare(other, LCL_EQ(), "eq"); }
    public Tensor ne(Tensor other) { return compare(other, LCL_NE(), "ne"); }
    public Tensor lt(Tensor other) { return compare(other, LCL_LT(), "lt"); }
    public Tensor le(Tensor other) { return compare(other, LCL_LE(), "le"); }
    public Tensor gt(Tensor other) { return compare(other, LCL_GT(), "gt"); }
    public Tensor ge(Tensor other) { return compare(other, LCL_GE(), "ge"); }
    public Tensor eq(double other) { return compare(other, LCL_EQ(), "eq"); }
    public Tensor ne(double other) { return compare(other, LCL_NE(), "ne"); }
    public Tensor lt(double other) { return compare(other, LCL_LT(), "lt"); }
    public Tensor le(double other) { return compare(other, LCL_LE(), "le"); }
    public Tensor gt(double other) { return compare(other, LCL_GT(), "gt"); }
    public Tensor ge(double other) { return compare(other, LCL_GE(), "ge"); }
    public Tensor logicalAnd(Tensor other) { return compare(other, LCL_LOGICAL_AND(), "logical_and"); }
    public Tensor logicalOr(Tensor other) { return compare(other, LCL_LOGICAL_OR(), "logical_or"); }

    /** {@code torch.equal}: same shape and exactly equal elements. */
    public boolean equal(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_equal(handle(), other.handle(), s.intOut), "equal");
        return s.intResult() != 0;
    }

    public boolean allclose(Tensor other, double rtol, double atol) {
        ThreadState s = ThreadState.current();
        check(lcl_allclose(handle(), other.handle(), rtol, atol, s.intOut), "allclose");
        return s.intResult() != 0;
    }

    /** {@code torch.allclose} with PyTorch's defaults (rtol 1e-5, atol 1e-8). */
    public boolean allclose(Tensor other) {
        return allclose(other, 1e-5, 1e-8);
    }

    // ---- reductions -----------------------------------------------------------------------

    public Tensor sum() {
        return sum(new long[0], false, null);
    }

    public Tensor sum(long dim, boolean keepdim) {
        return sum(new long[] {dim}, keepdim, null);
    }

    /** Sum over dims (all when empty), optionally accumulating in dtype. */
    public Tensor sum(long[] dims, boolean keepdim, DType dtype) {
        ThreadState s = ThreadState.current();
        check(lcl_sum(handle(), s.dims(dims), dims.length, keepdim ? 1 : 0, dtype == null ? -1 : dtype.code(), s.out0), "sum");
        return s.take0();
    }

    public Tensor mean() {
        return mean(new long[0], false, null);
    }

    public Tensor mean(long dim, boolean keepdim) {
        return mean(new long[] {dim}, keepdim, null);
    }

    public Tensor mean(long[] dims, boolean keepdim, DType dtype) {
        ThreadState s = ThreadState.current();
        check(lcl_mean(handle(), s.dims(dims), dims.length, keepdim ? 1 : 0, dtype == null ? -1 : dtype.code(), s.out0), "mean");
        return s.take0();
    }

    /** Standard deviation with Bessel's correction, as {@code torch.std}. */
    public Tensor std() {
        return std(new long[0], 1, false);
    }

    public Tensor std(long[] dims, long correction, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_std(handle(), s.dims(dims), dims.length, correction, keepdim ? 1 : 0, s.out0), "std");
        return s.take0();
    }

    public Tensor var() {
        return var(new long[0], 1, false);
    }

    public Tensor var(long[] dims, long correction, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_var(handle(), s.dims(dims), dims.length, correction, keepdim ? 1 : 0, s.out0), "var");
        return s.take0();
    }

    /** The 2-norm of all elements. */
    public Tensor norm() {
        return norm(2.0, new long[0], false);
    }

    public Tensor norm(double p, long[] dims, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_norm(handle(), p, s.dims(dims), dims.length, keepdim ? 1 : 0, s.out0), "norm");
        return s.take0();
    }

    public Tensor max() {
        ThreadState s = ThreadState.current();
        check(lcl_max_all(handle(), s.out0), "max");
        return s.take0();
    }

    public Tensor min() {
        ThreadState s = ThreadState.current();
        check(lcl_min_all(handle(), s.out0), "min");
        return s.take0();
    }

    /** Values and indices of the maximum along dim ({@code torch.max(t, dim)}). */
    public ValuesIndices max(long dim, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_max_dim(handle(), dim, keepdim ? 1 : 0, s.out0, s.out1), "max");
        return new ValuesIndices(s.take0(), s.take1());
    }

    public ValuesIndices min(long dim, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_min_dim(handle(), dim, keepdim ? 1 : 0, s.out0, s.out1), "min");
        return new ValuesIndices(s.take0(), s.take1());
    }

    /** Index of the maximum of the flattened tensor. */
    public Tensor argmax() {
        ThreadState s = ThreadState.current();
        check(lcl_argmax(handle(), 0, 0, 0, s.out0), "argmax");
        return s.take0();
    }

    public Tensor argmax(long dim, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_argmax(handle(), dim, 1, keepdim ? 1 : 0, s.out0), "argmax");
        return s.take0();
    }

    public Tensor argmin(long dim, boolean keepdim) {
        ThreadState s = ThreadState.current();
        check(lcl_argmin(handle(), dim, 1, keepdim ? 1 : 0, s.out0), "argmin");
        return s.take0();
    }

    /** The k largest elements along the last dimension, sorted. */
    public ValuesIndices topk(long k) {
        return topk(k, -1, true, true);
    }

    public ValuesIndices topk(long k, long dim, boolean largest, boolean sorted) {
        ThreadState s = ThreadState.current();
        check(lcl_topk(handle(), k, dim, largest ? 1 : 0, sorted ? 1 : 0, s.out0, s.out1), "topk");
        return new ValuesIndices(s.take0(), s.take1());
    }

    public Tensor cumsum(long dim) {
        ThreadState s = ThreadState.current();
        check(lcl_cumsum(handle(), dim, s.out0), "cumsum");
        return s.take0();
    }

    public Tensor any() {
        ThreadState s = ThreadState.current();
        check(lcl_any(handle(), s.out0), "any");
        return s.take0();
    }

    public Tensor all() {
        ThreadState s = ThreadState.current();
        check(lcl_all(handle(), s.out0), "all");
        return s.take0();
    }

    // ---- linear algebra and activations ---------------------------------------------------

    public Tensor matmul(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_matmul(handle(), other.handle(), s.out0), "matmul");
        return s.take0();
    }

    public Tensor bmm(Tensor other) {
        ThreadState s = ThreadState.current();
        check(lcl_bmm(handle(), other.handle(), s.out0), "bmm");
        return s.take0();
    }

    /** {@code beta * this + alpha * (a @ b)}. */
    public Tensor addmm(Tensor a, Tensor b, double beta, double alpha) {
        ThreadState s = ThreadState.current();
        check(lcl_addmm(handle(), a.handle(), b.handle(), beta, alpha, s.out0), "addmm");
        return s.take0();
    }

    public Tensor addmm(Tensor a, Tensor b) {
        return addmm(a, b, 1.0, 1.0);
    }

    /** Exact (erf) GELU, PyTorch's default. */
    public Tensor gelu() {
        return Functional.gelu(this, false);
    }

    public Tensor softmax(long dim) {
        return Functional.softmax(this, dim);
    }

    public Tensor logSoftmax(long dim) {
        return Functional.logSoftmax(this, dim);
    }

    public Tensor triu(long diagonal) {
        ThreadState s = ThreadState.current();
        check(lcl_triu(handle(), diagonal, s.out0), "triu");
        return s.take0();
    }

    public Tensor tril(long diagonal) {
        ThreadState s = ThreadState.current();
        check(lcl_tril(handle(), diagonal, s.out0), "tril");
        return s.take0();
    }

    // ---- autograd -------------------------------------------------------------------------

    /** Backpropagates from a scalar. */
    public void backward() {
        backward(null, false);
    }

    /** Backpropagates with an explicit output gradient (null for a scalar). */
    public void backward(Tensor grad) {
        backward(grad, false);
    }

    public void backward(Tensor grad, boolean retainGraph) {
        check(lcl_backward(handle(), grad == null ? MemorySegment.NULL : grad.handle(), retainGraph ? 1 : 0, 0), "backward");
    }

    /** The accumulated gradient, or null when there is none. Shares storage with it. */
    public Tensor grad() {
        ThreadState s = ThreadState.current();
        check(lcl_grad(handle(), s.out0), "grad");
        return s.take0OrNull();
    }

    /**
     * Runs callback each time backward has accumulated a gradient into this leaf (after
     * {@link #grad()} holds it); close the returned hook to remove it. See {@link GradHook}.
     */
    public GradHook registerGradAccumulatedHook(Runnable callback) {
        return new GradHook(this, callback);
    }

    /** Replaces the gradient; null clears it. */
    public Tensor setGrad(Tensor grad) {
        check(lcl_set_grad(handle(), grad == null ? MemorySegment.NULL : grad.handle()), "set_grad");
        return this;
    }

    /** Zeroes the gradient in place if there is one. */
    public Tensor zeroGrad() {
        check(lcl_zero_grad(handle()), "zero_grad");
        return this;
    }

    public Tensor detach() {
        ThreadState s = ThreadState.current();
        check(lcl_detach(handle(), s.out0), "detach");
        return s.take0();
    }

    public Tensor detach_() {
        check(lcl_detach_(handle()), "detach_");
        return this;
    }

    public Tensor requiresGrad_(boolean requiresGrad) {
        check(lcl_requires_grad_(handle(), requiresGrad ? 1 : 0), "requires_grad_");
        return this;
    }

    public Tensor requiresGrad_() {
        return requiresGrad_(true);
    }

    public Tensor retainGrad() {
        check(lcl_retain_grad(handle()), "retain_grad");
        return this;
    }

    /** Replaces the data of a leaf tensor, keeping its identity ({@code p.data = value}). */
    public Tensor setData(Tensor value) {
        check(lcl_set_data(handle(), value.handle()), "set_data");
        return this;
    }

    @Override
    public String toString() {
        if (isClosed()) {
            return "tensor(<closed>)";
        }
        StringBuilder b = new StringBuilder("tensor(");
        long n = numel();
        DType d = dtype();
        if (n <= 16) {
            try (Scope ignored = Scope.open()) {
                Tensor flat = d == DType.BOOL || d == DType.INT64 || d == DType.INT32 || d == DType.UINT8
                        ? to(Device.CPU, DType.INT64, false) : to(Device.CPU, DType.FLOAT64, false);
                b.append(d.isFloatingPoint() ? Arrays.toString(flat.detach().toDoubleArray()) : Arrays.toString(flat.toLongArray()));
                b.append(", ");
            }
        }
        b.append("shape=").append(Arrays.toString(shape())).append(", dtype=").append(d).append(", device=").append(device());
        if (requiresGrad()) {
            b.append(", requires_grad=True");
        }
        return b.append(')').toString();
    }
}
