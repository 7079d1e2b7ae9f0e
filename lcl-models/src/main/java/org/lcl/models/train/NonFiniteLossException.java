package org.lcl.models.train;

/** Training stopped: too many consecutive steps had a non-finite loss or gradients. */
public final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
