package org.lcl.torch.serialization;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * An unpickler for the opcodes that Python's pickler emits at protocols 2 to 5 for the values checkpoints hold
 * (no text opcodes of protocols 0 and 1, no out-of-band buffers), with no Python behind it: containers become
 * {@link LinkedHashMap} (dict), {@link ArrayList} (list) and {@link PyTuple} (tuple); everything a pickle names by
 * module and name (GLOBAL) comes from a {@link Resolver}, which is the only way objects other than these get built.
 * The whole pickle is in memory, so every length field is checked against the bytes that remain.
 */
final class PickleReader {

    /** Supplies what a pickle refers to by name or by persistent id; throws for anything it doesn't allow. */
    interface Resolver {
        Object global(String module, String name) throws IOException;

        Object persistentLoad(Object pid) throws IOException;
    }

    /** A resolved global that REDUCE can call, like a Python callable applied to an argument tuple. */
    @FunctionalInterface
    interface PyCallable {
        Object call(PyTuple args) throws IOException;
    }

    private static final Object MARK = new Object();

    private final byte[] data;
    private final Resolver resolver;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;

    private PickleReader(byte[] data, Resolver resolver) {
        this.data = data;
        this.resolver = resolver;
    }

    /** Unpickles {@code data}; a malformed pickle throws a {@link TorchFormatException} naming the byte offset. */
    static Object load(byte[] data, Resolver resolver) throws IOException {
        return new PickleReader(data, resolver).run();
    }

    private Object run() throws IOException {
        while (true) {
            int at = pos;
            int op = u8();
            try {
                if (op == '.') {
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw new TorchFormatException("pickle ends with a non-empty stack");
                    }
                    return result;
                }
                step(op);
            } catch (IndexOutOfBoundsException | NoSuchElementException e) {
                throw new TorchFormatException(String.format(
                        "malformed pickle: opcode 0x%02x at byte %d does not fit the stack (%s)", op, at, e), e);
            }
        }
    }

    private void step(int op) throws IOException {
        switch (op) {
            case 0x80 -> { // PROTO
                int proto = u8();
                if (proto > 5) {
                    throw new TorchFormatException("unsupported pickle protocol " + proto);
                }
            }
            case 0x95 -> bytes(8); // FRAME: framing is only an I/O hint, the data is all in memory
            case '(' -> marks.add(stack.size());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push(le(4));
            case 'K' -> push((long) u8());
            case 'M' -> push(le(2) & 0xFFFFL);
            case 0x8a -> push(longFrom(bytes(u8()))); // LONG1
            case 0x8b -> push(longFrom(bytes(length4()))); // LONG4
            case 'G' -> push(Double.longBitsToDouble(be8()));
            case 'X' -> push(utf8(length4())); // BINUNICODE
            case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
            case 'B' -> push(bytes(length4())); // BINBYTES
            case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
            case ')' -> push(PyTuple.of());
            case 't' -> push(PyTuple.copyOf(popMark()));
            case 0x85 -> push(PyTuple.of(pop()));
            case 0x86 -> {
                Object b = pop();
                push(PyTuple.of(pop(), b));
            }
            case 0x87 -> {
                Object c = pop();
                Object b = pop();
                push(PyTuple.of(pop(), b, c));
            }
            case ']' -> push(new ArrayList<>());
            case 'a' -> {
                Object v = pop();
                list(stack.getLast()).add(v);
            }
            case 'e' -> {
                List<Object> items = popMark();
                list(stack.getLast()).addAll(items);
            }
            case '}' -> push(new LinkedHashMap<>());
            case 's' -> {
                Object v = pop();
                Object k = pop();
                dict(stack.getLast()).put(k, v);
            }
            case 'u' -> {
                List<Object> items = popMark();
                putAll(dict(stack.getLast()), items);
            }
            case 'c' -> push(resolver.global(line(), line())); // GLOBAL
            case 0x93 -> { // STACK_GLOBAL
                Object name = pop();
                push(resolver.global(string(pop()), string(name)));
            }
            case 'R' -> { // REDUCE
                Object args = pop();
                Object callable = pop();
                if (!(callable instanceof PyCallable c) || !(args instanceof PyTuple t)) {
                    throw new TorchFormatException("malformed pickle: REDUCE of " + describe(callable)
                            + " with " + describe(args));
                }
                push(c.call(t));
            }
            case 'b' -> build();
            case 'Q' -> push(resolver.persistentLoad(pop())); // BINPERSID
            case 'h' -> push(memoGet(u8())); // BINGET
            case 'j' -> push(memoGet(le(4) & 0xFFFFFFFFL)); // LONG_BINGET
            case 'q' -> memo.put((long) u8(), stack.getLast()); // BINPUT
            case 'r' -> memo.put(le(4) & 0xFFFFFFFFL, stack.getLast()); // LONG_BINPUT
            case 0x94 -> memo.put((long) memo.size(), stack.getLast()); // MEMOIZE
            default -> throw new TorchFormatException(String.format(
                    "unsupported pickle opcode 0x%02x ('%c') at byte %d", op, (char) op, pos - 1));
        }
    }

    /**
     * BUILD sets instance state. The only instances built here are dicts, whose state is Python attributes
     * (a state_dict's {@code _metadata}); a Java map has nowhere to keep them, so they are dropped.
     */
    private void build() throws IOException {
        Object state = pop();
        Object target = stack.getLast();
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?> || state == null)) {
            throw new TorchFormatException("malformed pickle: cannot set state " + describe(state)
                    + " on " + describe(target));
        }
    }

    private static void putAll(Map<Object, Object> dict, List<Object> items) throws TorchFormatException {
        if (items.size() % 2 != 0) {
            throw new TorchFormatException("malformed pickle: odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(items.get(i), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) throws TorchFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new TorchFormatException("malformed pickle: append to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) throws TorchFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new TorchFormatException("malformed pickle: set item on " + describe(o));
    }

    private static String string(Object o) throws TorchFormatException {
        if (o instanceof String s) {
            return s;
        }
        throw new TorchFormatException("malformed pickle: expected a string, got " + describe(o));
    }

    static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws TorchFormatException {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.getLast() == stack.size())) {
            throw new TorchFormatException("malformed pickle: stack underflow at byte " + (pos - 1));
        }
        return stack.removeLast();
    }

    private List<Object> popMark() throws TorchFormatException {
        if (marks.isEmpty()) {
            throw new TorchFormatException("malformed pickle: no MARK before byte " + (pos - 1));
        }
        int from = marks.removeLast();
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Object memoGet(long index) throws TorchFormatException {
        Object v = memo.get(index);
        if (v == null && !memo.containsKey(index)) {
            throw new TorchFormatException("malformed pickle: memo entry " + index + " read before it was written");
        }
        return v;
    }

    private int u8() throws TorchFormatException {
        need(1);
        return data[pos++] & 0xFF;
    }

    /** A little-endian integer of {@code n} (<= 8) bytes, sign-extended from its top byte. */
    private long le(int n) throws TorchFormatException {
        need(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (data[pos + i] & 0xFF);
        }
        pos += n;
        int unused = 64 - 8 * n;
        return unused == 0 ? v : (v << unused) >> unused;
    }

    private long be8() throws TorchFormatException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos++] & 0xFF);
        }
        return v;
    }

    /** A 4-byte unsigned length, which must not exceed what is left of the pickle. */
    private int length4() throws TorchFormatException {
        long len = le(4) & 0xFFFFFFFFL;
        if (len > data.length - pos) {
            throw new TorchFormatException("malformed pickle: length " + len + " at byte " + (pos - 4)
                    + " runs past the end (" + (data.length - pos) + " bytes left)");
        }
        return (int) len;
    }

    private byte[] bytes(int n) throws TorchFormatException {
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(data, pos, out, 0, n);
        pos += n;
        return out;
    }

    private String utf8(int n) throws TorchFormatException {
        need(n);
        String s = new String(data, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String line() throws TorchFormatException {
        int start = pos;
        while (true) {
            if (u8() == '\n') {
                return new String(data, start, pos - start - 1, StandardCharsets.UTF_8);
            }
        }
    }

    private void need(int n) throws TorchFormatException {
        if (n > data.length - pos) {
            throw new TorchFormatException("truncated pickle: " + n + " bytes needed at byte " + pos + ", "
                    + (data.length - pos) + " left");
        }
    }

    /** Python's int from LONG1/LONG4 bytes (little-endian two's complement): a Long when it fits. */
    private static Object longFrom(byte[] le) {
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        if (be.length == 0) {
            return 0L;
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
