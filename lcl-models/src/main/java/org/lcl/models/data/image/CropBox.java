package org.lcl.models.data.image;

/**
 * A rectangle of an image in pixels: {@code left, top} is its first pixel. torchvision's
 * {@code (i, j, h, w)} is {@code (top, left, height, width)}.
 */
public record CropBox(int left, int top, int width, int height) {

    public CropBox {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("crop size must be positive: " + width + "x" + height);
        }
    }

    /** Whether the box lies inside an image of the given size. */
    public boolean fitsIn(int imageWidth, int imageHeight) {
        return left >= 0 && top >= 0 && left + width <= imageWidth && top + height <= imageHeight;
    }
}
