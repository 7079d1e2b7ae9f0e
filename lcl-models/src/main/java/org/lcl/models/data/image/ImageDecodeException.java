package org.lcl.models.data.image;

/**
 * An image that could not be decoded: corrupt or truncated data, an unknown format, or an
 * image over the pixel limit. The data pipeline skips such samples and counts them.
 */
public final class ImageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
