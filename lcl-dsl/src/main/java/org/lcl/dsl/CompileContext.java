package org.lcl.dsl;

import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * The device and dtype a spec is compiled for. Parameters are initialised on the CPU in float32
 * (as PyTorch creates modules) and then moved, so a seed gives the same initial weights whatever
 * the target device and dtype.
 *
 * <p>With {@code initialise} false, parameters are allocated with {@code torch.empty} directly
 * on the target device and dtype and left uninitialised: for inspecting names, shapes and counts
 * quickly, or when a checkpoint will overwrite every value anyway.
 */
public record CompileContext(Device device, DType dtype, boolean initialise) {

    public CompileContext {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("a model's dtype must be floating point, got " + dtype);
        }
    }

    public CompileContext(Device device, DType dtype) {
        this(device, dtype, true);
    }

    /** A new parameter tensor of shape, initialised by init, on this context's device and dtype. */
    public Tensor parameter(Init init, long... shape) {
        try (Scope s = Scope.open()) {
            if (!initialise) {
                return Torch.empty(TensorOptions.of(dtype, device), shape).keep();
            }
            Tensor t = Torch.empty(TensorOptions.DEFAULT, shape);
            Init.initialise(t, init);
            Tensor placed = device.equals(Device.CPU) && dtype == DType.FLOAT32 ? t : t.to(device, dtype, false);
            return placed.keep();
        }
    }

    /** A tensor computed on the CPU in float32 (e.g. fixed sin-cos positions), placed like parameters. */
    public Tensor place(Tensor cpuFloat) {
        try (Scope s = Scope.open()) {
            return cpuFloat.to(device, dtype, false).keep();
        }
    }
}
