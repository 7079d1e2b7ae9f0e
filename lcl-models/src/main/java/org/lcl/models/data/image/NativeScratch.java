package org.lcl.models.data.image;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Native scratch memory for a decoder, grown by replacement (the old block is freed at once). */
final class NativeScratch implements AutoCloseable {

    private Arena arena;
    private MemorySegment segment = MemorySegment.NULL;

    /** A block of at least the given size; its contents are undefined after growing. */
    MemorySegment atLeast(long bytes) {
        if (segment.byteSize() < bytes) {
            long size = Math.max(bytes, segment.byteSize() * 3 / 2);
            close();
            arena = Arena.ofShared();
            segment = arena.allocate(size, 64);
        }
        return segment;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            segment = MemorySegment.NULL;
        }
    }
}
