package org.lcl.torch;

import java.util.Objects;

/** The dtype and device of a tensor to create, as libtorch's {@code TensorOptions}. */
public record TensorOptions(DType dtype, Device device) {

    /** float32 on the CPU: PyTorch's defaults. */
    public static final TensorOptions DEFAULT = new TensorOptions(DType.FLOAT32, Device.CPU);

    public TensorOptions {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
    }

    public static TensorOptions of(DType dtype) {
        return new TensorOptions(dtype, Device.CPU);
    }

    public static TensorOptions of(DType dtype, Device device) {
        return new TensorOptions(dtype, device);
    }

    public TensorOptions withDtype(DType d) {
        return new TensorOptions(d, device);
    }

    public TensorOptions withDevice(Device d) {
        return new TensorOptions(dtype, d);
    }
}
