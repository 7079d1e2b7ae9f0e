package org.lcl.models.data.image;

/**
 * An 8-bit RGB image: {@code width * height} pixels, row-major, interleaved R, G, B bytes
 * (row stride {@code 3 * width}). The array may be longer than the image: decoders reuse one
 * instance per worker thread, growing its array only when an image needs more room.
 */
public final class RgbImage {

    private byte[] data;
    private int width;
    private int height;

    /** An empty image whose array grows as images are decoded into it. */
    public RgbImage() {
        data = new byte[0];
    }

    /** An image over existing interleaved RGB data (not copied). */
    public RgbImage(int width, int height, byte[] data) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (data.length < 3L * width * height) {
            throw new IllegalArgumentException("data has " + data.length + " bytes, a " + width + "x" + height + " RGB image needs " + 3L * width * height);
        }
        this.data = data;
        this.width = width;
        this.height = height;
    }

    /** Sets the size, growing the array if needed (contents are then undefined). */
    void reset(int width, int height) {
        long n = 3L * width * height;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("image too large for one array: " + width + "x" + height);
        }
        if (data.length < n) {
            data = new byte[(int) Math.min(Integer.MAX_VALUE - 16, Math.max(n, data.length + (data.length >> 1)))];
        }
        this.width = width;
        this.height = height;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The interleaved RGB bytes; only the first {@code 3 * width * height} belong to the image. */
    public byte[] data() {
        return data;
    }

    /** The pixel at (x, y) as 0xRRGGBB. */
    public int rgb(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        }
        int i = 3 * (y * width + x);
        return (data[i] & 0xFF) << 16 | (data[i + 1] & 0xFF) << 8 | (data[i + 2] & 0xFF);
    }

    /** A copy holding exactly this image's bytes. */
    public RgbImage copy() {
        byte[] d = java.util.Arrays.copyOf(data, 3 * width * height);
        return new RgbImage(width, height, d);
    }
}
