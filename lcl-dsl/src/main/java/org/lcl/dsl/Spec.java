package org.lcl.dsl;

import org.lcl.torch.DType;
import org.lcl.torch.Device;

/**
 * An immutable declaration of a layer (or a tree of layers). Declaring allocates nothing;
 * {@link #compile} checks every hyperparameter and shape up front, then creates the module with
 * its parameters initialised on a device and dtype.
 */
public interface Spec {

    /** The path segment of this layer under its parent; "" declares a transparent layer. */
    String name();

    /**
     * Checks hyperparameters, and the input shape where known; returns the output shape.
     * Throws {@link ModelDefinitionException} naming path and the numbers.
     */
    Shape check(Shape input, String path);

    /** Creates the module with its parameters (called after a successful {@link #check}). */
    Module build(CompileContext ctx);

    /** Checks and builds this spec with an input shape unknown at compile time. */
    default Module compile(Device device, DType dtype) {
        return compile(Shape.unknown(), device, dtype);
    }

    /** Checks this spec against input and builds it on device with floating parameters in dtype. */
    default Module compile(Shape input, Device device, DType dtype) {
        check(input, name());
        return build(new CompileContext(device, dtype));
    }

    /** The dotted path of a child named child under parent ("" adds nothing). */
    static String join(String parent, String child) {
        if (child.isEmpty()) {
            return parent;
        }
        return parent.isEmpty() ? child : parent + "." + child;
    }
}
