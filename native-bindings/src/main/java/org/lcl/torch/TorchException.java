package org.lcl.torch;

/** A failure reported by libtorch (or by the C API's argument checks), with the failing op. */
public final class TorchException extends RuntimeException {

    private final String op;
    private final String nativeMessage;

    public TorchException(String op, String nativeMessage) {
        super(op + ": " + nativeMessage);
        this.op = op;
        this.nativeMessage = nativeMessage;
    }

    /** The name of the Java-layer operation that failed, e.g. {@code "matmul"}. */
    public String op() {
        return op;
    }

    /** libtorch's own message, without the op prefix. */
    public String nativeMessage() {
        return nativeMessage;
    }
}
