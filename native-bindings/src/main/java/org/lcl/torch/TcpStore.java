package org.lcl.torch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_store_add;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_store_free;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_store_get;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_store_set;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_store_tcp_create;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * c10d's TCPStore: the key-value rendezvous of a process group. The master (rank 0) listens on
 * host:port, the others connect; every read waits for its key at most the timeout, then fails.
 * Free the master's store last: the others' stores talk to it.
 */
public final class TcpStore implements AutoCloseable {

    private final MemorySegment handle;
    private final String address;
    private boolean closed;

    private TcpStore(MemorySegment handle, String address) {
        this.handle = handle;
        this.address = address;
    }

    /**
     * Connects to (or, as master, opens) the store at host:port for worldSize processes. Fails with
     * the address when the master cannot be reached within the timeout.
     */
    public static TcpStore create(String host, int port, int worldSize, boolean isMaster, Duration timeout) {
        NativeLibrary.ensureLoaded();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            String address = host + ":" + port;
            check(lcl_store_tcp_create(a.allocateFrom(host), port, worldSize, isMaster ? 1 : 0, timeout.toMillis(), out),
                    "TCPStore(" + address + (isMaster ? ", master" : "") + ")");
            return new TcpStore(out.get(ADDRESS, 0), address);
        }
    }

    /** host:port. */
    public String address() {
        return address;
    }

    public void set(String key, byte[] value) {
        try (Arena a = Arena.ofConfined()) {
            check(lcl_store_set(handle(), a.allocateFrom(key), a.allocateFrom(JAVA_BYTE, value), value.length), "store set " + key);
        }
    }

    public void set(String key, String value) {
        set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The key's value, waiting for it up to the store's timeout. */
    public byte[] get(String key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocateFrom(key);
            MemorySegment n = a.allocate(JAVA_LONG);
            long capacity = 256;
            while (true) {
                MemorySegment buf = a.allocate(capacity);
                check(lcl_store_get(handle(), k, buf, capacity, n), "store get " + key);
                long len = n.get(JAVA_LONG, 0);
                if (len <= capacity) {
                    return buf.asSlice(0, len).toArray(JAVA_BYTE);
                }
                capacity = len;
            }
        }
    }

    public String getString(String key) {
        return new String(get(key), StandardCharsets.UTF_8);
    }

    /** Adds delta to the key's integer value (0 when absent) and returns the new value. */
    public long add(String key, long delta) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check(lcl_store_add(handle(), a.allocateFrom(key), delta, out), "store add " + key);
            return out.get(JAVA_LONG, 0);
        }
    }

    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("TCPStore " + address + " is closed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(lcl_store_free(handle), "store free");
        }
    }
}
