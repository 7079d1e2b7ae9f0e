package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.ffi.lcl_torch_h;

/**
 * Failures surface as exceptions naming the op and carrying libtorch's own words; none of them
 * may crash the JVM or leave the thread in a bad state (the last test of each group does more work).
 */
class ErrorPathsTest {

    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
        assertNull(Scope.current());
    }

    /** Runs op, expects a TorchException for opName whose message contains every fragment. */
    private static TorchException torchError(String opName, Executable op, String... fragments) {
        TorchException e = assertThrows(TorchException.class, op);
        System.out.println("[" + opName + "] " + e.getMessage());
        assertEquals(opName, e.op());
        assertTrue(e.getMessage().startsWith(opName + ": "), e.getMessage());
        assertEquals(opName + ": " + e.nativeMessage(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("Exception raised from"), "C++ backtrace leaked: " + e.getMessage());
        return e;
    }

    // ---- shapes ---------------------------------------------------------------------------

    @Test
    void addWithMismatchedShapes() {
        Tensor a = Torch.ones(2, 3);
        Tensor b = Torch.ones(2, 4);
        torchError("add", () -> a.add(b), "size of tensor a (3) must match the size of tensor b (4)", "dimension 1");
        torchError("add_", () -> a.add_(b, 1.0), "must match");
        // the failure leaves both tensors intact and usable
        assertEquals(6.0, a.sum().item());
        assertEquals(8.0, b.sum().item());
    }

    @Test
    void matmulWithMismatchedShapes() {
        Tensor a = Torch.ones(2, 3);
        Tensor b = Torch.ones(4, 5);
        torchError("matmul", () -> a.matmul(b), "mat1 and mat2 shapes cannot be multiplied", "2x3", "4x5");
        torchError("linear", () -> Functional.linear(a, Torch.ones(5, 4), null), "cannot be multiplied");
        torchError("bmm", () -> Torch.ones(2, 3, 4).bmm(Torch.ones(2, 5, 6)));
        assertEquals(30.0, a.matmul(b.narrow(0, 0, 3)).sum().item());
    }

    @Test
    void viewOfANonContiguousTensor() {
        Tensor t = Torch.ones(3, 4).t();
        assertFalse(t.isContiguous());
        torchError("view", () -> t.view(12), "view size is not compatible with input tensor's size and stride",
                "reshape");
        assertArrayEqualsLong(new long[] {12}, t.reshape(12).shape());
        assertArrayEqualsLong(new long[] {12}, t.contiguous().view(12).shape());
    }

    @Test
    void reshapeWithTheWrongNumberOfElements() {
        Tensor t = Torch.ones(2, 3);
        torchError("reshape", () -> t.reshape(5), "shape '[5]' is invalid for input of size 6");
        torchError("view", () -> t.view(4, 2), "shape '[4, 2]' is invalid for input of size 6");
        torchError("reshape", () -> t.reshape(-1, -1), "only one dimension can be inferred");
    }

    // ---- dtypes ---------------------------------------------------------------------------

    @Test
    void indexSelectWithAFloatIndex() {
        Tensor t = Torch.ones(3, 4);
        Tensor idx = Torch.tensor(new float[] {0, 1});
        torchError("index_select", () -> t.indexSelect(0, idx), "index_select", "int32 or int64");
    }

    @Test
    void embeddingWithFloatIndices() {
        Tensor w = Torch.randn(10, 4);
        Tensor idx = Torch.tensor(new float[] {1, 2, 3});
        torchError("embedding", () -> Functional.embedding(w, idx), "indices", "Long, Int", "Float");
        assertArrayEqualsLong(new long[] {3, 4}, Functional.embedding(w, Torch.tensor(new long[] {1, 2, 3})).shape());
    }

    @Test
    void crossEntropyWithFloatTargetsOfTheWrongShape() {
        Tensor logits = Torch.randn(4, 3);
        Tensor floatTargets = Torch.tensor(new float[] {0, 1, 2, 1});
        torchError("cross_entropy", () -> Functional.crossEntropy(logits, floatTargets), "Long", "Float");
        // probability targets of the input's shape are fine (PyTorch >= 1.10), as are class indices
        assertEquals(0, Functional.crossEntropy(logits, Torch.full(1.0 / 3, 4, 3)).dim());
        assertEquals(0, Functional.crossEntropy(logits, Torch.tensor(new long[] {0, 1, 2, 1})).dim());
        torchError("cross_entropy", () -> Functional.crossEntropy(logits, Torch.tensor(new long[] {0, 1, 7, 1})),
                "out of bounds");
    }

    @Test
    void bfloat16TensorReadAsFloatsIsAClearJavaError() {
        Tensor t = Torch.ones(2).to(DType.BFLOAT16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::toFloatArray);
        assertTrue(e.getMessage().contains("bfloat16") && e.getMessage().contains("float32"), e.getMessage());
    }

    // ---- indices --------------------------------------------------------------------------

    @Test
    void selectNarrowAndIndexSelectOutOfRange() {
        Tensor t = Torch.ones(3, 4);
        torchError("select", () -> t.select(0, 3), "index 3 out of range", "dimension 0");
        torchError("select", () -> t.select(2, 0), "Dimension out of range");
        torchError("narrow", () -> t.narrow(1, 2, 5), "exceeds dimension size");
        torchError("index_select", () -> t.indexSelect(0, Torch.tensor(new long[] {0, 5})), "out of range");
        torchError("slice", () -> t.slice(5, 0, 1), "Dimension out of range");
        torchError("transpose", () -> t.transpose(0, 9), "Dimension out of range");
        torchError("item", t::item, "12 elements cannot be converted to Scalar");
        assertEquals(4.0, t.select(0, 2).sum().item());
    }

    @Test
    void sizeOfADimensionOutOfRange() {
        Tensor t = Torch.ones(3, 4);
        assertEquals(4, t.size(-1));
        assertEquals(3, t.size(-2));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.size(2));
        assertTrue(e.getMessage().contains("dimension 2 out of range") && e.getMessage().contains("[3, 4]"),
                e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.size(-3));
    }

    // ---- closed tensors -------------------------------------------------------------------

    @Test
    void aClosedTensorIsRejectedBeforeNativeCode() {
        Tensor t = Torch.ones(2);
        Tensor u = Torch.ones(2);
        t.close();
        for (Executable op : new Executable[] {t::shape, t::dtype, () -> u.add(t), () -> t.add(u),
                () -> Functional.linear(u.view(1, 2), t.view(1, 2), null), () -> Torch.cat(java.util.List.of(u, t)),
                () -> u.copy_(t), t::backward}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, op);
            assertTrue(e.getMessage().contains("tensor is closed"), e.getMessage());
        }
    }

    // ---- CUDA without CUDA ----------------------------------------------------------------

    @Test
    void cudaDeviceWithoutCuda() {
        assumeFalse(Cuda.isAvailable(), "CUDA is available here");
        assertEquals(0, Cuda.deviceCount());
        torchError("zeros", () -> Torch.zeros(TensorOptions.of(DType.FLOAT32, Device.cuda(0)), 2, 2), "cuda:0",
                "no usable CUDA");
        torchError("to", () -> Torch.ones(2).to(Device.cuda(1)), "cuda:1", "no usable CUDA");
        torchError("to", () -> Torch.ones(2).cuda(), "no usable CUDA");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(16);
            torchError("from_data", () -> Torch.fromMemory(data, TensorOptions.of(DType.FLOAT32, Device.cuda(0)), 4),
                    "no usable CUDA");
        }
        TorchException e = torchError("cuda.memory_allocated", () -> Cuda.memoryAllocated(0));
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("cuda"), e.getMessage());
        torchError("cuda.synchronize", () -> Cuda.synchronize(0));
        torchError("cuda.max_memory_allocated", () -> Cuda.maxMemoryAllocated(0));
        Cuda.emptyCache(); // a no-op without CUDA, must not throw
        // the thread goes on working on the CPU
        assertEquals(4.0, Torch.ones(2, 2).sum().item());
    }

    // ---- autograd -------------------------------------------------------------------------

    @Test
    void backwardOnANonScalarWithoutAGradient() {
        Tensor x = Torch.ones(3).requiresGrad_();
        Tensor y = x.mul(x); // saves x for backward, so the graph cannot be replayed without retain_graph
        torchError("backward", y::backward, "grad can be implicitly created only for scalar outputs");
        Tensor noGrad = Torch.ones(3).sum();
        torchError("backward", noGrad::backward, "does not require grad");
        // with an explicit gradient the same non-scalar backward works
        y.backward(Torch.ones(3));
        assertEquals(6.0, x.grad().sum().item());
        // and a second backward through the freed graph fails cleanly
        torchError("backward", () -> y.backward(Torch.ones(3)), "backward through the graph a second time");
    }

    @Test
    void inPlaceOnALeafThatRequiresGrad() {
        Tensor p = Torch.ones(3).requiresGrad_();
        torchError("add_", () -> p.add_(1.0), "leaf Variable that requires grad", "in-place");
        torchError("set_grad", () -> p.setGrad(Torch.ones(4)), "[4]", "[3]");
    }

    // ---- serialization through the C API --------------------------------------------------

    @Test
    void loadTensorFromMalformedFiles(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("garbage.pt");
        Files.write(garbage, "this is not a zip archive at all".getBytes());
        String m1 = loadError(garbage);
        assertTrue(m1.contains("is not a torch-saved tensor") && m1.contains("garbage.pt"), m1);

        Path empty = dir.resolve("empty.pt");
        Files.write(empty, new byte[0]);
        assertTrue(loadError(empty).contains("empty.pt"));

        String m3 = loadError(dir.resolve("missing.pt"));
        assertTrue(m3.contains("cannot open") && m3.contains("missing.pt"), m3);

        // a real file, truncated: the archive's directory is gone
        Path good = dir.resolve("good.pt");
        Tensor t = Torch.arange(100);
        try (Arena a = Arena.ofConfined()) {
            assertEquals(0, lcl_torch_h.lcl_save_tensor(t.handle(), a.allocateFrom(good.toString())),
                    () -> ThreadState.lastError());
            MemorySegment out = a.allocate(ADDRESS);
            assertEquals(0, lcl_torch_h.lcl_load_tensor(a.allocateFrom(good.toString()), out));
            Tensor back = Tensor.adopt(out.get(ADDRESS, 0).address(), ThreadState.current());
            assertTrue(back.equal(t));
        }
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.pt");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(loadError(truncated).contains("truncated.pt"));

        // corrupt the payload but keep the zip directory: must still fail or load, never crash
        byte[] corrupt = bytes.clone();
        for (int i = 64; i < corrupt.length / 2; i++) {
            corrupt[i] ^= 0x5a;
        }
        Path corrupted = dir.resolve("corrupt.pt");
        Files.write(corrupted, corrupt);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int st = lcl_torch_h.lcl_load_tensor(a.allocateFrom(corrupted.toString()), out);
            System.out.println("[load corrupt] status " + st + ": " + (st != 0 ? ThreadState.lastError() : "loaded"));
            if (st == 0) {
                Tensor loaded = Tensor.adopt(out.get(ADDRESS, 0).address(), ThreadState.current());
                System.out.println("[load corrupt] loaded " + loaded.dtype() + " " + Arrays.toString(loaded.shape()));
                loaded.close();
            } else {
                assertTrue(ThreadState.lastError().contains("corrupt.pt"), ThreadState.lastError());
            }
        }
    }

    private static String loadError(Path p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            out.set(ADDRESS, 0, MemorySegment.NULL);
            int status = lcl_torch_h.lcl_load_tensor(a.allocateFrom(p.toString()), out);
            assertNotEquals(0, status, "loading " + p + " succeeded");
            assertEquals(MemorySegment.NULL, out.get(ADDRESS, 0), "a failed load wrote a handle");
            String m = ThreadState.lastError();
            System.out.println("[lcl_load_tensor " + p.getFileName() + "] " + m);
            assertFalse(m.contains("Exception raised from"), m);
            return m;
        }
    }

    // ---- C API argument checks ------------------------------------------------------------

    @Test
    void nullHandlesAndBadCodesThroughTheCApi() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            assertNotEquals(0, lcl_torch_h.lcl_clone(MemorySegment.NULL, out));
            assertEquals("tensor handle is null", ThreadState.lastError());
            MemorySegment shape = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_LONG, 2, 2);
            assertNotEquals(0, lcl_torch_h.lcl_zeros(shape, 2, 99, 0, -1, out));
            assertTrue(ThreadState.lastError().contains("unsupported dtype code 99"), ThreadState.lastError());
            assertNotEquals(0, lcl_torch_h.lcl_zeros(shape, 2, 6, 7, -1, out));
            assertTrue(ThreadState.lastError().contains("unsupported device type code 7"), ThreadState.lastError());
            assertNotEquals(0, lcl_torch_h.lcl_zeros(shape, -1, 6, 0, -1, out));
            assertTrue(ThreadState.lastError().contains("negative dimension count"), ThreadState.lastError());
        }
        torchError("set_num_threads", () -> Torch.setNumThreads(0), "must be >= 1");
        torchError("zeros", () -> Torch.zeros(2, -3), "negative");
    }

    // ---- parsing --------------------------------------------------------------------------

    @Test
    void badDTypeAndDeviceNames() {
        assertEquals(DType.BFLOAT16, DType.parse("torch.bfloat16"));
        assertEquals(DType.FLOAT32, DType.parse("FP32"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.parse("float128"));
        assertTrue(e.getMessage().contains("unknown dtype 'float128'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DType.parse(""));
        assertThrows(IllegalArgumentException.class, () -> DType.fromCode(99));
        assertThrows(IllegalArgumentException.class, () -> DType.fromCode(-1));

        assertEquals(Device.cuda(1), Device.parse(" CUDA:1 "));
        assertEquals(Device.CPU, Device.parse("cpu"));
        for (String bad : new String[] {"gpu", "cuda:", "cuda:x", "cuda:-1", "cpu:1", "", "mps"}) {
            IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(d.getMessage().contains("'" + bad + "'") || d.getMessage().contains("index"), d.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
        assertThrows(IllegalArgumentException.class, () -> new Device(Device.Type.CPU, 3));
        IllegalArgumentException ac = assertThrows(IllegalArgumentException.class,
                () -> Autocast.enable(Device.Type.CPU, DType.FLOAT32));
        assertTrue(ac.getMessage().contains("float16 or bfloat16"), ac.getMessage());
    }

    /** Each libtorch failure costs milliseconds (c10::Error captures a symbolized backtrace), hence only 100 rounds. */
    @Test
    void errorsDoNotDisturbLaterWork() {
        for (int i = 0; i < 100; i++) {
            Tensor a = Torch.ones(2, 3);
            assertThrows(TorchException.class, () -> a.matmul(a));
            assertThrows(TorchException.class, () -> a.reshape(7));
            a.close();
        }
        Tensor ok = Torch.ones(2, 3);
        assertEquals(12.0, ok.matmul(ok.t()).sum().item());
        assertEquals(4, scope.size(), "failed ops must not leave tensors in the scope");
    }

    private static void assertArrayEqualsLong(long[] expected, long[] actual) {
        assertTrue(Arrays.equals(expected, actual), Arrays.toString(expected) + " != " + Arrays.toString(actual));
    }
}
