package org.lcl.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.PyTuple;

/**
 * Converts between trees of live {@link Tensor}s (what models and optimisers hold) and trees of
 * {@link HostTensor}s (what the checkpoint format reads and writes). Maps keep their order,
 * tuples stay tuples, every other leaf passes through unchanged.
 */
final class TensorTrees {

    private TensorTrees() {}

    /** Copies every tensor of the tree to host memory. */
    static Object toHost(Object node) {
        return switch (node) {
            case Tensor t -> toHost(t);
            case PyTuple tuple -> PyTuple.copyOf(mapList(tuple, TensorTrees::toHost));
            case List<?> list -> mapList(list, TensorTrees::toHost);
            case Map<?, ?> map -> mapMap(map, TensorTrees::toHost);
            case null, default -> node;
        };
    }

    /** Creates a tensor on device for every host tensor of the tree, in the caller's scope. */
    static Object toDevice(Object node, Device device) {
        return switch (node) {
            case HostTensor h -> toTensor(h, device);
            case PyTuple tuple -> PyTuple.copyOf(mapList(tuple, n -> toDevice(n, device)));
            case List<?> list -> mapList(list, n -> toDevice(n, device));
            case Map<?, ?> map -> mapMap(map, n -> toDevice(n, device));
            case null, default -> node;
        };
    }

    private static HostTensor toHost(Tensor t) {
        DType dtype = t.dtype();
        long[] shape = t.shape();
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(t.numel() * dtype.elementSize())).order(ByteOrder.LITTLE_ENDIAN);
        t.copyTo(MemorySegment.ofBuffer(bytes));
        HostTensor h = HostTensor.ofContiguous(dtype, shape, bytes);
        Device d = t.device();
        if (d.isCuda()) {
            h = new HostTensor(h.dtype(), h.shape(), h.stride(), 0, h.storage(), d.toString(), false);
        }
        return t.requiresGrad() ? h.withRequiresGrad(true) : h;
    }

    static Tensor toTensor(HostTensor h, Device device) {
        ByteBuffer bytes = h.contiguousBytes();
        MemorySegment seg = MemorySegment.ofBuffer(bytes);
        Tensor t;
        if (seg.isNative()) {
            t = Torch.fromMemory(seg, TensorOptions.of(h.dtype(), device), h.shape());
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment copy = a.allocate(seg.byteSize(), 8);
                copy.copyFrom(seg);
                t = Torch.fromMemory(copy, TensorOptions.of(h.dtype(), device), h.shape());
            }
        }
        return h.requiresGrad() ? t.requiresGrad_() : t;
    }

    private static List<Object> mapList(List<?> list, java.util.function.UnaryOperator<Object> f) {
        List<Object> out = new ArrayList<>(list.size());
        for (Object o : list) {
            out.add(f.apply(o));
        }
        return out;
    }

    private static Map<Object, Object> mapMap(Map<?, ?> map, java.util.function.UnaryOperator<Object> f) {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.put(e.getKey(), f.apply(e.getValue()));
        }
        return out;
    }
}
