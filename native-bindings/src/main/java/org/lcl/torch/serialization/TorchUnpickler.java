package org.lcl.torch.serialization;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lcl.torch.DType;

/**
 * What torch.load's unpickler allows, in Java: an allow-list of the globals that state dicts and checkpoints use
 * (tensor and parameter rebuilds, storage classes, OrderedDict, bytes, device, dtype, layout, Size), and storages
 * read from the archive's {@code data/} records by persistent id. Anything else is refused by name, so a
 * checkpoint can never make this reader build an arbitrary object.
 */
final class TorchUnpickler implements PickleReader.Resolver {

    /** Reads the raw bytes of record {@code data/<key>}, which must hold at least {@code bytes} bytes. */
    @FunctionalInterface
    interface StorageSource {
        ByteBuffer read(String key, long bytes) throws IOException;
    }

    /** A storage class such as {@code torch.FloatStorage}, standing for its element type. */
    private record StorageType(DType dtype) {
    }

    private static final Map<String, Object> GLOBALS = globals();
    private static final Map<String, StorageType> STORAGE_TYPES = storageTypes();

    private final StorageSource source;
    private final Map<String, HostTensor> storages = new HashMap<>();

    TorchUnpickler(StorageSource source) {
        this.source = source;
    }

    /** By class name: torch.load accepts a storage class under any module (torch.storage.UntypedStorage, ...). */
    private static Map<String, StorageType> storageTypes() {
        Map<String, StorageType> types = new HashMap<>();
        for (DType t : DType.values()) {
            types.put(StorageTypes.className(t), new StorageType(t));
        }
        // torch.load reads an untyped storage as bytes.
        types.put("UntypedStorage", new StorageType(DType.UINT8));
        return Map.copyOf(types);
    }

    private static Map<String, Object> globals() {
        Map<String, Object> g = new HashMap<>();
        for (DType t : DType.values()) {
            g.put("torch." + t.torchName(), t);
        }
        g.put("collections.OrderedDict", (PickleReader.PyCallable) TorchUnpickler::orderedDict);
        g.put("torch._utils._rebuild_tensor_v2", (PickleReader.PyCallable) TorchUnpickler::rebuildTensor);
        g.put("torch._utils._rebuild_parameter", (PickleReader.PyCallable) TorchUnpickler::rebuildParameter);
        g.put("torch._utils._rebuild_parameter_with_state", (PickleReader.PyCallable) TorchUnpickler::rebuildParameter);
        g.put("torch.serialization._get_layout", (PickleReader.PyCallable) a -> only(a, String.class, "_get_layout"));
        g.put("torch.device", (PickleReader.PyCallable) TorchUnpickler::device);
        g.put("torch.Size", (PickleReader.PyCallable) a -> only(a, PyTuple.class, "torch.Size"));
        g.put("_codecs.encode", (PickleReader.PyCallable) TorchUnpickler::latin1Bytes);
        // Protocol 2 pickles b"" as a call of Python 2's name for bytes.
        g.put("__builtin__.bytes", (PickleReader.PyCallable) a -> {
            expectArgs(a, 0, 0, "bytes");
            return new byte[0];
        });
        return Map.copyOf(g);
    }

    @Override
    public Object global(String module, String name) throws IOException {
        Object g = GLOBALS.get(module + "." + name);
        if (g == null && (module.equals("torch") || module.startsWith("torch."))) {
            g = STORAGE_TYPES.get(name);
        }
        if (g == null) {
            throw new TorchFormatException("unsupported global '" + module + "." + name
                    + "': only tensors, storages, OrderedDict and plain Python values can be loaded");
        }
        return g;
    }

    /** {@code ('storage', storage_type, key, location, numel)}: the whole storage, as a 1-D tensor. */
    @Override
    public Object persistentLoad(Object pid) throws IOException {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new TorchFormatException("unsupported persistent id " + pid + ": expected ('storage', ...)");
        }
        StorageType type = arg(t, 1, StorageType.class);
        String key = arg(t, 2, String.class);
        String location = arg(t, 3, String.class);
        long numel = arg(t, 4, Long.class);
        HostTensor storage = storages.get(key);
        if (storage == null) {
            if (numel < 0 || numel > (Integer.MAX_VALUE - 8) / type.dtype().elementSize()) {
                throw new TorchFormatException("storage " + key + " of " + numel + " " + type.dtype()
                        + " elements does not fit a Java buffer (2 GiB at most)");
            }
            ByteBuffer bytes = source.read(key, numel * type.dtype().elementSize());
            storage = new HostTensor(type.dtype(), new long[] {numel}, new long[] {1}, 0, bytes, location, false);
            storages.put(key, storage);
        } else if (storage.dtype() != type.dtype() || storage.numel() != numel) {
            throw new TorchFormatException("storage " + key + " is referenced both as " + storage.numel() + " "
                    + storage.dtype() + " and as " + numel + " " + type.dtype() + " elements");
        }
        return storage;
    }

    /** {@code OrderedDict()}: pickle adds the items with SETITEMS afterwards. */
    private static Object orderedDict(PyTuple args) throws TorchFormatException {
        expectArgs(args, 0, 0, "OrderedDict");
        return new LinkedHashMap<Object, Object>();
    }

    /** {@code (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Object rebuildTensor(PyTuple args) throws TorchFormatException {
        expectArgs(args, 6, 7, "_rebuild_tensor_v2");
        HostTensor storage = arg(args, 0, HostTensor.class);
        try {
            return new HostTensor(storage.dtype(), longs(arg(args, 2, PyTuple.class)),
                    longs(arg(args, 3, PyTuple.class)), arg(args, 1, Long.class), storage.storage(),
                    storage.device(), arg(args, 4, Boolean.class));
        } catch (IllegalArgumentException e) {
            throw new TorchFormatException("bad tensor: " + e.getMessage(), e);
        }
    }

    /** {@code (data, requires_grad, backward_hooks[, state])}: a parameter loads as its tensor. */
    private static Object rebuildParameter(PyTuple args) throws TorchFormatException {
        expectArgs(args, 3, 4, "_rebuild_parameter");
        try {
            return arg(args, 0, HostTensor.class).withRequiresGrad(arg(args, 1, Boolean.class));
        } catch (IllegalArgumentException e) {
            throw new TorchFormatException("bad parameter: " + e.getMessage(), e);
        }
    }

    /** {@code torch.device('cuda', 1)} or {@code torch.device('cuda:1')}, as the string {@code "cuda:1"}. */
    private static Object device(PyTuple args) throws TorchFormatException {
        expectArgs(args, 1, 2, "torch.device");
        String type = arg(args, 0, String.class);
        return args.size() == 2 && args.get(1) != null ? type + ":" + arg(args, 1, Long.class) : type;
    }

    /** Protocol 2 pickles {@code bytes} as {@code _codecs.encode(text, 'latin1')}, one char per byte. */
    private static Object latin1Bytes(PyTuple args) throws TorchFormatException {
        expectArgs(args, 2, 2, "_codecs.encode");
        String text = arg(args, 0, String.class);
        String encoding = arg(args, 1, String.class);
        if (!encoding.equals("latin1")) {
            throw new TorchFormatException("unsupported _codecs.encode encoding '" + encoding + "'");
        }
        byte[] out = new byte[text.length()];
        for (int i = 0; i < out.length; i++) {
            char c = text.charAt(i);
            if (c > 0xFF) {
                throw new TorchFormatException("_codecs.encode: character U+" + Integer.toHexString(c)
                        + " is not latin-1");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private static long[] longs(PyTuple t) throws TorchFormatException {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arg(t, i, Long.class);
        }
        return out;
    }

    private static void expectArgs(PyTuple args, int min, int max, String what) throws TorchFormatException {
        if (args.size() < min || args.size() > max) {
            throw new TorchFormatException(what + " called with " + args.size() + " arguments: " + args);
        }
    }

    /** The single argument of a one-argument call. */
    private static <T> T only(PyTuple args, Class<T> type, String what) throws TorchFormatException {
        expectArgs(args, 1, 1, what);
        return arg(args, 0, type);
    }

    private static <T> T arg(PyTuple args, int i, Class<T> type) throws TorchFormatException {
        Object v = args.get(i);
        if (!type.isInstance(v)) {
            throw new TorchFormatException("argument " + i + " of " + args + " is " + PickleReader.describe(v)
                    + ", expected " + type.getSimpleName());
        }
        return type.cast(v);
    }
}
