package org.lcl.torch.serialization;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Emits pickle protocol 2 opcodes, the protocol torch.save uses, and only opcodes that Python's pickler itself
 * emits at that protocol, so that {@code torch.load(weights_only=True)}'s restricted unpickler accepts the result.
 * No memo is written: the tree walker never emits an object twice.
 */
final class PickleWriter {

    private byte[] buf = new byte[1024];
    private int size;

    PickleWriter() {
        op(0x80);
        op(2);
    }

    /** The finished pickle, ending in STOP. */
    byte[] finish() {
        op('.');
        return Arrays.copyOf(buf, size);
    }

    void global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void mark() {
        op('(');
    }

    /** Builds a tuple from everything since the last {@link #mark()}. */
    void tupleFromMark() {
        op('t');
    }

    /** Builds a tuple from the top {@code n} (at most 3) items, or an empty one. */
    void smallTuple(int n) {
        op(switch (n) {
            case 0 -> ')';
            case 1 -> 0x85;
            case 2 -> 0x86;
            case 3 -> 0x87;
            default -> throw new IllegalArgumentException("no opcode for a tuple of " + n);
        });
    }

    void emptyList() {
        op(']');
    }

    /** Appends everything since the last mark to the list below it. */
    void appends() {
        op('e');
    }

    /** Sets key/value pairs since the last mark on the dict below it. */
    void setItems() {
        op('u');
    }

    /** Calls the callable below the argument tuple on top. */
    void reduce() {
        op('R');
    }

    /** Replaces the id on top with the object torch.load's persistent_load returns for it. */
    void persistentId() {
        op('Q');
    }

    void none() {
        op('N');
    }

    void bool(boolean b) {
        op(b ? 0x88 : 0x89);
    }

    /** Python's choice: BININT1/BININT2 for small non-negatives, BININT for 32 bits, LONG1 beyond. */
    void integer(long v) {
        if (v >= 0 && v < 0x100) {
            op('K');
            op((int) v);
        } else if (v >= 0 && v < 0x10000) {
            op('M');
            op((int) v);
            op((int) (v >>> 8));
        } else if (v == (int) v) {
            op('J');
            for (int i = 0; i < 4; i++) {
                op((int) (v >>> (8 * i)));
            }
        } else {
            integer(BigInteger.valueOf(v));
        }
    }

    /** LONG1 (LONG4 beyond 255 bytes): little-endian two's complement. */
    void integer(BigInteger v) {
        byte[] be = v.toByteArray();
        if (be.length < 0x100) {
            op(0x8a);
            op(be.length);
        } else {
            op(0x8b);
            int32(be.length);
        }
        for (int i = be.length - 1; i >= 0; i--) {
            op(be[i]);
        }
    }

    /** BINFLOAT: a big-endian IEEE double. */
    void floating(double v) {
        op('G');
        long bits = Double.doubleToRawLongBits(v);
        for (int i = 7; i >= 0; i--) {
            op((int) (bits >>> (8 * i)));
        }
    }

    /** BINUNICODE: UTF-8 with a 4-byte length. */
    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        int32(utf8.length);
        raw(utf8);
    }

    private void int32(int v) {
        for (int i = 0; i < 4; i++) {
            op(v >>> (8 * i));
        }
    }

    private void op(int b) {
        if (size == buf.length) {
            grow(1);
        }
        buf[size++] = (byte) b;
    }

    private void raw(byte[] bytes) {
        if (bytes.length > buf.length - size) {
            grow(bytes.length);
        }
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
    }

    private void grow(int needed) {
        long capacity = Math.max((long) buf.length * 2, (long) size + needed);
        if (capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("pickle exceeds 2 GiB");
        }
        buf = Arrays.copyOf(buf, (int) capacity);
    }
}
