package org.lcl.models.data.loader;

import java.util.Objects;

import org.lcl.torch.Device;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** A batch's id sequences as the loaders hold them: {@code batchSize * contextLength} longs, row-major. */
final class IdRows {

    private IdRows() {
    }

    /** The ids as an int64 {@code [B, L]} tensor on device, in the calling thread's scope. */
    static Tensor toTensor(long[] ids, int batchSize, int contextLength, Device device) {
        Tensor t = Torch.tensor(ids, batchSize, contextLength);
        return device.type() == Device.Type.CPU ? t : t.to(device);
    }

    /** The ids of row i (a copy). */
    static long[] row(long[] ids, int batchSize, int contextLength, int i) {
        Objects.checkIndex(i, batchSize);
        long[] r = new long[contextLength];
        System.arraycopy(ids, i * contextLength, r, 0, contextLength);
        return r;
    }
}
