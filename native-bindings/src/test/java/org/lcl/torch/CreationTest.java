package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Creation functions for every dtype, metadata, and copies between Java memory and tensors. */
class CreationTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16", "INT64", "INT32", "UINT8", "BOOL"})
    void constantCreationForEveryDtype(DType dtype) {
        TensorOptions o = TensorOptions.of(dtype);
        try (Scope s = Scope.open()) {
            Tensor z = Torch.zeros(o, 2, 3);
            Tensor one = Torch.ones(o, 2, 3);
            Tensor f = Torch.full(1, o, 4);
            Tensor e = Torch.empty(o, 5, 1);
            for (Tensor t : new Tensor[] {z, one, f, e}) {
                assertEquals(dtype, t.dtype());
                assertEquals(Device.CPU, t.device());
            }
            assertArrayEquals(new long[] {2, 3}, z.shape());
            assertArrayEquals(new long[] {3, 1}, z.strides());
            assertArrayEquals(new long[] {5, 1}, e.shape());
            assertEquals(6, z.numel());
            assertEquals(2, z.dim());
            assertTrue(z.isContiguous());
            assertEquals(0.0, z.to(DType.FLOAT64).sum().item());
            assertEquals(6.0, one.to(DType.FLOAT64).sum().item());
            assertEquals(4.0, f.to(DType.FLOAT64).sum().item());
            for (Tensor like : new Tensor[] {Torch.zerosLike(one), Torch.onesLike(z), Torch.emptyLike(z), Torch.fullLike(z, 1)}) {
                assertEquals(dtype, like.dtype());
                assertArrayEquals(new long[] {2, 3}, like.shape());
            }
            assertEquals(0.0, Torch.zerosLike(one).to(DType.FLOAT64).sum().item());
            assertEquals(6.0, Torch.onesLike(z).to(DType.FLOAT64).sum().item());
            assertEquals(DType.INT64, Torch.zerosLike(z, DType.INT64).dtype());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    void randomCreationForFloatingDtypes(DType dtype) {
        TensorOptions o = TensorOptions.of(dtype);
        try (Scope s = Scope.open()) {
            Torch.manualSeed(7);
            Tensor n = Torch.randn(o, 4000);
            Tensor u = Torch.rand(o, 4000);
            assertEquals(dtype, n.dtype());
            assertEquals(0.0, n.to(DType.FLOAT64).mean().item(), 0.1);
            assertEquals(1.0, n.to(DType.FLOAT64).std().item(), 0.1);
            assertTrue(u.to(DType.FLOAT64).min().item() >= 0 && u.to(DType.FLOAT64).max().item() <= 1);
            Tensor z = Torch.zeros(o, 4000);
            z.normal_(3, 0.5);
            assertEquals(3.0, z.to(DType.FLOAT64).mean().item(), 0.1);
            z.uniform_(-2, -1);
            assertTrue(z.to(DType.FLOAT64).max().item() <= -1 && z.to(DType.FLOAT64).min().item() >= -2);
            assertEquals(dtype, Torch.randnLike(z).dtype());
            assertEquals(dtype, Torch.randLike(z).dtype());
            assertEquals(dtype, Torch.arange(0, 5, 0.5, o).dtype());
            assertEquals(10, Torch.arange(0, 5, 0.5, o).numel());
            Tensor ls = Torch.linspace(-1, 1, 5, o);
            assertEquals(1.0, ls.to(DType.FLOAT64).max().item(), 1e-2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"INT64", "INT32", "UINT8"})
    void integerRangesAndRandint(DType dtype) {
        TensorOptions o = TensorOptions.of(dtype);
        try (Scope s = Scope.open()) {
            Tensor r = Torch.arange(0, 10, 1, o);
            assertEquals(dtype, r.dtype());
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, r.to(DType.INT64).toLongArray());
            Tensor ri = Torch.randint(3, 7, o, 1000);
            assertEquals(dtype, ri.dtype());
            assertEquals(3, ri.to(DType.INT64).min().itemLong());
            assertEquals(6, ri.to(DType.INT64).max().itemLong());
            Tensor perm = Torch.randperm(20, TensorOptions.of(DType.INT64));
            long[] sorted = perm.toLongArray().clone();
            java.util.Arrays.sort(sorted);
            assertArrayEquals(Torch.arange(20).toLongArray(), sorted);
            assertEquals(DType.INT64, Torch.linspace(0, 8, 5, TensorOptions.of(DType.INT64)).dtype());
        }
    }

    @Test
    void javaArraysRoundTrip() {
        try (Scope s = Scope.open()) {
            assertArrayEquals(new float[] {1.5f, -2f}, Torch.tensor(new float[] {1.5f, -2f}).toFloatArray());
            assertArrayEquals(new double[] {1e-300, 2}, Torch.tensor(new double[] {1e-300, 2}).toDoubleArray());
            assertArrayEquals(new long[] {Long.MAX_VALUE, -1}, Torch.tensor(new long[] {Long.MAX_VALUE, -1}).toLongArray());
            assertArrayEquals(new int[] {7, -7, 0, 1}, Torch.tensor(new int[] {7, -7, 0, 1}, 2, 2).toIntArray());
            assertArrayEquals(new boolean[] {true, false}, Torch.tensor(new boolean[] {true, false}).toBooleanArray());
            Tensor bytes = Torch.tensor(new byte[] {(byte) 255, 0, 7}, DType.UINT8, 3);
            assertArrayEquals(new long[] {255, 0, 7}, bytes.to(DType.INT64).toLongArray());
            assertArrayEquals(new byte[] {(byte) 255, 0, 7}, bytes.toByteArray());
            // A non-contiguous view is copied out in row-major order.
            Tensor t = Torch.tensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t();
            assertFalse(t.isContiguous());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
            assertEquals(2.0, Torch.scalar(2).item());
            assertEquals(0, Torch.scalar(2).dim());
            assertThrows(IllegalArgumentException.class, () -> Torch.tensor(new float[] {1, 2, 3}, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> t.toLongArray());
        }
    }

    @Test
    void copyFromAndToNativeMemory() {
        try (Scope s = Scope.open(); Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4);
            Tensor t = Torch.fromMemory(src, TensorOptions.of(DType.FLOAT32), 2, 2);
            src.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 100f);
            assertEquals(1.0, t.select(0, 0).select(0, 0).item(), "fromMemory copies");
            Tensor z = Torch.zeros(2, 2);
            z.copyFrom(src);
            assertArrayEquals(new float[] {100, 2, 3, 4}, z.toFloatArray());
            MemorySegment dst = a.allocate(16);
            z.mul(2).copyTo(dst);
            assertEquals(200f, dst.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            TorchException e = assertThrows(TorchException.class, () -> z.copyTo(a.allocate(12)));
            assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
            // Copy into a non-contiguous view writes through to the base tensor.
            Tensor base = Torch.zeros(2, 2);
            base.t().copyFrom(a.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4));
            assertArrayEquals(new float[] {1, 3, 2, 4}, base.toFloatArray());
        }
    }

    @Test
    void conversionsAndDevices() {
        try (Scope s = Scope.open()) {
            Tensor x = Torch.tensor(new float[] {1.7f, -2.2f});
            assertEquals(DType.INT64, x.to(DType.INT64).dtype());
            assertArrayEquals(new long[] {1, -2}, x.to(DType.INT64).toLongArray());
            assertEquals(DType.FLOAT32, x.to(DType.FLOAT32).dtype());
            assertEquals(Device.CPU, x.cpu().device());
            assertEquals(DType.FLOAT64, x.to(Device.CPU, DType.FLOAT64, true).dtype());
            Tensor c = x.clone();
            c.fill_(0);
            assertEquals(1.7f, x.toFloatArray()[0], 1e-6, "clone is a copy");
            if (!Cuda.isAvailable()) {
                TorchException e = assertThrows(TorchException.class, x::cuda);
                assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
                // Pinned memory needs a CUDA runtime; without one libtorch refuses it and so do we.
                assertThrows(TorchException.class, x::pinMemory);
                assertFalse(x.isPinned());
            }
        }
    }

    @Test
    void longScalarsActAsPythonIntsAndDoublesAsFloats() {
        try (Scope s = Scope.open()) {
            Tensor ids = Torch.arange(3);
            assertEquals(DType.INT64, ids.add(1).dtype());
            assertArrayEquals(new long[] {1, 2, 3}, ids.add(1).toLongArray());
            assertArrayEquals(new long[] {-1, 0, 1}, ids.sub(1).toLongArray());
            assertArrayEquals(new long[] {1, 0, -1}, ids.rsub(1).toLongArray());
            assertArrayEquals(new long[] {0, 3, 6}, ids.mul(3).toLongArray());
            assertEquals(DType.FLOAT32, ids.add(1.0).dtype());
            assertEquals(DType.FLOAT32, ids.mul(0.5).dtype());
            assertEquals(DType.FLOAT32, Torch.ones(2).add(1).dtype());
            assertEquals(DType.INT64, ids.add(ids).dtype(), "integer alpha is accepted for integer tensors");
            assertEquals(DType.BOOL, ids.gt(0).dtype());
        }
    }
}
