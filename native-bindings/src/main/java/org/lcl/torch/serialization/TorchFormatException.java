package org.lcl.torch.serialization;

import java.io.IOException;

/** A file that is not a readable PyTorch checkpoint; the message names the file and what is wrong with it. */
public class TorchFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public TorchFormatException(String message) {
        super(message);
    }

    public TorchFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
