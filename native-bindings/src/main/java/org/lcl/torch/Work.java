package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_work_free;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_work_wait;

import java.lang.foreign.MemorySegment;

/**
 * A collective started without waiting (c10d's Work, as returned by {@code async_op=True}). Its
 * tensors hold the result only after {@link #await()}; until then they must not be read or
 * written. Closing waits first when nobody has, so that no collective outlives its buffers.
 */
public final class Work implements AutoCloseable {

    private final MemorySegment handle;
    private final String what;
    private boolean closed;

    Work(MemorySegment handle, String what) {
        this.handle = handle;
        this.what = what;
    }

    /** Blocks until the collective has finished on this rank (Work.wait(); named so to keep Object.wait apart). */
    public void await() {
        if (closed) {
            throw new IllegalStateException(what + ": the work is closed");
        }
        check(lcl_work_wait(handle), what);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(lcl_work_free(handle), what);
        }
    }
}
