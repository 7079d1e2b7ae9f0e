package org.lcl.torch.serialization;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lcl.torch.DType;

/**
 * Turns a tree of Java values into torch.save's {@code data.pkl}, collecting the storages it refers to.
 * The mapping is {@link TorchLoad}'s in reverse; maps become {@code collections.OrderedDict}, as a state_dict is.
 * Each storage buffer instance becomes one {@code data/<key>} record however many tensors view it.
 */
final class TorchPickler {

    /** A storage to write as record {@code data/<key>}: bytes {@code [0, limit())} of its buffer. */
    record Storage(String key, DType dtype, ByteBuffer bytes) {
    }

    /** The pickle and the storages it names, in key order. */
    record Result(byte[] pickle, List<Storage> storages) {
    }

    private final PickleWriter out = new PickleWriter();
    private final Map<ByteBuffer, Storage> storages = new IdentityHashMap<>();
    private final List<Storage> storageOrder = new ArrayList<>();
    private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Deque<String> path = new ArrayDeque<>();

    private TorchPickler() {
    }

    /** Pickles {@code tree}; a value with no Python counterpart throws IllegalArgumentException naming its place. */
    static Result pickle(Object tree) {
        TorchPickler p = new TorchPickler();
        p.write(tree);
        return new Result(p.out.finish(), List.copyOf(p.storageOrder));
    }

    private void write(Object v) {
        switch (v) {
            case null -> out.none();
            case Boolean b -> out.bool(b);
            case Long l -> out.integer(l);
            case Integer i -> out.integer(i);
            case Short s -> out.integer(s);
            case Byte b -> out.integer(b);
            case BigInteger b -> out.integer(b);
            case Double d -> out.floating(d);
            case Float f -> out.floating(f);
            case String s -> out.string(s);
            case byte[] bytes -> bytes(bytes);
            case DType t -> out.global("torch", t.torchName());
            case HostTensor t -> tensor(t);
            case PyTuple t -> tuple(t);
            case List<?> l -> list(l);
            case Map<?, ?> m -> dict(m);
            default -> throw new IllegalArgumentException("cannot save a " + v.getClass().getName() + " at "
                    + where() + ": supported are Map, List, PyTuple, String, numbers, Boolean, null, byte[], "
                    + "DType and HostTensor");
        }
    }

    /** As protocol 2 does it: {@code _codecs.encode(text, 'latin1')} with one char per byte. */
    private void bytes(byte[] bytes) {
        out.global("_codecs", "encode");
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = (char) (bytes[i] & 0xFF);
        }
        out.string(new String(chars));
        out.string("latin1");
        out.smallTuple(2);
        out.reduce();
    }

    private void tuple(PyTuple t) {
        enter(t);
        if (t.size() > 3) {
            out.mark();
        }
        for (int i = 0; i < t.size(); i++) {
            child("[" + i + "]", t.get(i));
        }
        if (t.size() > 3) {
            out.tupleFromMark();
        } else {
            out.smallTuple(t.size());
        }
        leave(t);
    }

    private void list(List<?> l) {
        enter(l);
        out.emptyList();
        if (!l.isEmpty()) {
            out.mark();
            int i = 0;
            for (Object item : l) {
                child("[" + i++ + "]", item);
            }
            out.appends();
        }
        leave(l);
    }

    private void dict(Map<?, ?> m) {
        enter(m);
        orderedDict();
        if (!m.isEmpty()) {
            out.mark();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String name = "." + e.getKey();
                child(name, e.getKey());
                child(name, e.getValue());
            }
            out.setItems();
        }
        leave(m);
    }

    private void orderedDict() {
        out.global("collections", "OrderedDict");
        out.smallTuple(0);
        out.reduce();
    }

    /**
     * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)} with the
     * storage as persistent id {@code ('storage', torch.XStorage, key, location, numel)}.
     */
    private void tensor(HostTensor t) {
        Storage s = storages.get(t.storage());
        if (s == null) {
            s = new Storage(Integer.toString(storageOrder.size()), t.dtype(), t.storage());
            storages.put(t.storage(), s);
            storageOrder.add(s);
        } else if (s.dtype != t.dtype()) {
            throw new IllegalArgumentException("tensor at " + where() + " views storage " + s.key + " as "
                    + t.dtype() + " but another tensor views it as " + s.dtype + "; torch.save refuses that too");
        }
        out.global("torch._utils", "_rebuild_tensor_v2");
        out.mark();
        out.mark();
        out.string("storage");
        out.global("torch", StorageTypes.className(t.dtype()));
        out.string(s.key);
        out.string(t.device());
        out.integer(t.storage().limit() / t.dtype().elementSize());
        out.tupleFromMark();
        out.persistentId();
        out.integer(t.storageOffset());
        longs(t.shape());
        longs(t.stride());
        out.bool(t.requiresGrad());
        orderedDict();
        out.tupleFromMark();
        out.reduce();
    }

    private void longs(long[] values) {
        out.mark();
        for (long v : values) {
            out.integer(v);
        }
        out.tupleFromMark();
    }

    private void child(String name, Object value) {
        path.addLast(name);
        write(value);
        path.removeLast();
    }

    /** Guards against cycles, which Python would memoize but which would recurse forever here. */
    private void enter(Object container) {
        if (!open.add(container)) {
            throw new IllegalArgumentException("cannot save a container that contains itself, at " + where());
        }
    }

    private void leave(Object container) {
        open.remove(container);
    }

    private String where() {
        return path.isEmpty() ? "the root" : "root" + String.join("", path);
    }
}
