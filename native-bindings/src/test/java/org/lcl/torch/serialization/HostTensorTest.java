package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.torch.serialization.Tensors.range;
import static org.lcl.torch.serialization.Tensors.tensor;
import static org.lcl.torch.serialization.Tensors.values;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.lcl.torch.DType;

class HostTensorTest {

    /** torch.arange(24.).reshape(2, 3, 4), viewed in various ways below. */
    private final HostTensor cube = tensor(DType.FLOAT32, new long[] {2, 3, 4}, range(24, 1, 0));

    private HostTensor view(long[] shape, long[] stride, long offset) {
        return new HostTensor(DType.FLOAT32, shape, stride, offset, cube.storage(), "cpu", false);
    }

    @Test
    void contiguousTensorIsAReadOnlyViewWithoutCopy() {
        ByteBuffer bytes = cube.contiguousBytes();
        assertTrue(bytes.isReadOnly());
        assertEquals(24 * 4, bytes.remaining());
        assertArrayEquals(range(24, 1, 0), values(cube));
        assertArrayEquals(new double[] {12, 13, 14, 15}, values(view(new long[] {4}, new long[] {1}, 12)));
    }

    @Test
    void stridedViewsGatherInRowMajorOrder() {
        // cube.permute(2, 0, 1): element [k, i, j] = cube[i, j, k] = 12 i + 4 j + k
        HostTensor permuted = view(new long[] {4, 2, 3}, new long[] {1, 12, 4}, 0);
        assertFalse(permuted.isContiguous());
        double[] expected = new double[24];
        int n = 0;
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    expected[n++] = 12 * i + 4 * j + k;
                }
            }
        }
        assertArrayEquals(expected, values(permuted));
        // cube[1, :, 1:3]: dense rows at an offset
        assertArrayEquals(new double[] {13, 14, 17, 18, 21, 22},
                values(view(new long[] {3, 2}, new long[] {4, 1}, 13)));
        // cube[:, 1, ::2]
        assertArrayEquals(new double[] {4, 6, 16, 18}, values(view(new long[] {2, 2}, new long[] {12, 2}, 4)));
        // cube[0, 0, 1].expand(2, 3)
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, values(view(new long[] {2, 3}, new long[] {0, 0}, 1)));
    }

    @Test
    void sizeOneDimensionsMayHaveAnyStride() {
        assertTrue(view(new long[] {1, 4}, new long[] {99, 1}, 4).isContiguous());
        assertArrayEquals(new double[] {4, 5, 6, 7}, values(view(new long[] {1, 4}, new long[] {99, 1}, 4)));
    }

    @Test
    void zeroDimAndEmpty() {
        HostTensor scalar = view(new long[] {}, new long[] {}, 23);
        assertEquals(0, scalar.dim());
        assertEquals(1, scalar.numel());
        assertArrayEquals(new double[] {23}, values(scalar));
        HostTensor empty = view(new long[] {0, 5}, new long[] {5, 1}, 24);
        assertEquals(0, empty.numel());
        assertEquals(0, empty.contiguousBytes().remaining());
    }

    @Test
    void viewsOutsideTheStorageAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {25}, new long[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {2}, new long[] {1}, 23));
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {2}, new long[] {-1}, 1));
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {2}, new long[] {1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {-1}, new long[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> view(new long[] {1}, new long[] {1}, -1));
        assertThrows(IllegalArgumentException.class,
                () -> view(new long[] {1L << 40, 1L << 40}, new long[] {1L << 30, 1L << 30}, 0));
        assertThrows(IllegalArgumentException.class,
                () -> view(new long[] {1L << 40, 1L << 40}, new long[] {0, 0}, 0), "numel overflows");
    }

    @Test
    void otherInvariants() {
        assertThrows(IllegalArgumentException.class,
                () -> tensor(DType.INT64, new long[] {1}, 1).withRequiresGrad(true));
        assertThrows(IllegalArgumentException.class,
                () -> HostTensor.ofContiguous(DType.FLOAT32, new long[] {2}, ByteBuffer.allocate(4)));
        assertThrows(IllegalArgumentException.class, () -> new HostTensor(DType.FLOAT32, new long[] {1},
                new long[] {1}, 0, ByteBuffer.allocate(6), "cpu", false));
        long[] shape = cube.shape();
        shape[0] = 7;
        assertArrayEquals(new long[] {2, 3, 4}, cube.shape(), "shape() is a copy");
    }

    @Test
    void equalityIsTheSameViewOfTheSameStorage() {
        assertEquals(view(new long[] {3}, new long[] {1}, 2), view(new long[] {3}, new long[] {1}, 2));
        assertEquals(view(new long[] {3}, new long[] {1}, 2).hashCode(),
                view(new long[] {3}, new long[] {1}, 2).hashCode());
        assertNotEquals(view(new long[] {3}, new long[] {1}, 2), view(new long[] {3}, new long[] {1}, 3));
        assertNotEquals(cube, tensor(DType.FLOAT32, new long[] {2, 3, 4}, range(24, 1, 0)));
    }
}
