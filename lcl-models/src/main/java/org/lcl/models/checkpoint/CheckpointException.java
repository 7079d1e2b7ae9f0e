package org.lcl.models.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be used: not a checkpoint at all, a dict without a state dict,
 * non-tensor values, weights that do not fit the model, or no way to tell which model it holds.
 * The message starts with the file's path. (Malformed files are reported by the readers'
 * {@link org.lcl.torch.serialization.TorchFormatException}, which also names the file.)
 */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
