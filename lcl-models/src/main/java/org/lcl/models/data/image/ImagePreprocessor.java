package org.lcl.models.data.image;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * One worker's image pipeline: decode ({@link ImageDecoder}) → PIL's convert("RGB") →
 * the transform's crop and bicubic resize ({@link PilResampler}) → ToTensor + Normalize,
 * written as float32 CHW straight into a destination (a slot of an {@link ImageBatchBuffer}).
 *
 * <p>Normalisation is torchvision's arithmetic in float32: {@code (v / 255f - mean) / std}
 * for each 8-bit value v (a 256-entry table per channel, bit-identical to
 * {@code ToTensor()} followed by {@code Normalize(mean, std)}), applied by the resampler as it
 * writes each output row ({@link PilResampler#resizeToPlanar}); one bulk copy then moves the
 * CHW floats into the destination.
 *
 * <p>All scratch (decoded pixels, resampler buffers, the float plane) is reused across calls;
 * nothing is allocated per pixel. Not thread-safe: one instance per worker thread.
 */
public final class ImagePreprocessor implements AutoCloseable {

    private final ImageTransform transform;
    private final ImageDecoder decoder;
    private final boolean ownsDecoder;
    private final PilResampler resampler = new PilResampler();
    private final RgbImage decoded = new RgbImage();
    private final float[] chw;
    private final float[] lut = new float[3 * 256];

    /** A preprocessor with its own {@link ImageDecoder}. */
    public ImagePreprocessor(ImageTransform transform) {
        this(transform, new ImageDecoder(), true);
    }

    /** A preprocessor using the given decoder (closed with this one when owned). */
    public ImagePreprocessor(ImageTransform transform, ImageDecoder decoder, boolean ownsDecoder) {
        this.transform = Objects.requireNonNull(transform, "transform");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.ownsDecoder = ownsDecoder;
        int s = transform.size();
        this.chw = new float[3 * s * s];
        float[] mean = transform.mean();
        float[] std = transform.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                // ToTensor: byte -> float32 / 255; Normalize: (x - mean) / std, all in float32
                float x = (float) v / 255f;
                lut[c * 256 + v] = (x - mean[c]) / std[c];
            }
        }
    }

    public ImageTransform transform() {
        return transform;
    }

    public ImageDecoder decoder() {
        return decoder;
    }

    /** Bytes one output image takes: 3 x size x size float32. */
    public long outputBytes() {
        return 3L * transform.size() * transform.size() * Float.BYTES;
    }

    /** Decodes, transforms and normalises encoded image bytes into dst. */
    public void process(byte[] encoded, RandomGenerator rng, MemorySegment dst) throws ImageDecodeException {
        process(encoded, 0, encoded.length, rng, dst);
    }

    /**
     * Decodes {@code encoded[off, off + len)}, applies the transform (the train crop drawn from
     * rng; rng is unused, and may be null, for eval) and writes the normalised CHW float32
     * image into dst.
     */
    public void process(byte[] encoded, int off, int len, RandomGenerator rng, MemorySegment dst) throws ImageDecodeException {
        decoder.decode(encoded, off, len, decoded);
        apply(decoded, rng, dst);
    }

    /** The transform on a decoded image, normalised into dst. */
    public void apply(RgbImage image, RandomGenerator rng, MemorySegment dst) {
        if (transform.isTrain()) {
            Objects.requireNonNull(rng, "the train transform needs a random generator");
            trainCrop(image, transform.sampleCrop(image.width(), image.height(), rng), dst);
        } else {
            eval(image, dst);
        }
    }

    /** The train transform with an explicit crop (torchvision's {@code resized_crop}), normalised into dst. */
    public void trainCrop(RgbImage image, CropBox crop, MemorySegment dst) {
        checkDestination(dst);
        int s = transform.size();
        resampler.resizeToPlanar(image, crop, s, s, new CropBox(0, 0, s, s), lut, chw);
        MemorySegment.copy(chw, 0, dst, JAVA_FLOAT_UNALIGNED, 0, chw.length);
    }

    /** The eval transform (shortest-side resize + center crop), normalised into dst. */
    public void eval(RgbImage image, MemorySegment dst) {
        checkDestination(dst);
        int s = transform.size();
        int[] resized = ImageTransform.resizeShortestSide(image.width(), image.height(), s);
        CropBox window = ImageTransform.centerCrop(resized[0], resized[1], s, s);
        resampler.resizeToPlanar(image, new CropBox(0, 0, image.width(), image.height()), resized[0], resized[1], window, lut, chw);
        MemorySegment.copy(chw, 0, dst, JAVA_FLOAT_UNALIGNED, 0, chw.length);
    }

    private void checkDestination(MemorySegment dst) {
        if (dst.byteSize() < outputBytes()) {
            throw new IllegalArgumentException("destination has " + dst.byteSize() + " bytes, an image needs " + outputBytes());
        }
    }

    /** The 8-bit result of the train transform with an explicit crop (before ToTensor). */
    public RgbImage trainCropRgb(RgbImage image, CropBox crop) {
        byte[] out = new byte[3 * transform.size() * transform.size()];
        trainCropInto(image, crop, out);
        return new RgbImage(transform.size(), transform.size(), out);
    }

    /** The 8-bit result of the eval transform (before ToTensor). */
    public RgbImage evalRgb(RgbImage image) {
        byte[] out = new byte[3 * transform.size() * transform.size()];
        evalInto(image, out);
        return new RgbImage(transform.size(), transform.size(), out);
    }

    private void trainCropInto(RgbImage image, CropBox crop, byte[] out) {
        int s = transform.size();
        resampler.resize(image, crop, s, s, new CropBox(0, 0, s, s), out);
    }

    private void evalInto(RgbImage image, byte[] out) {
        int s = transform.size();
        int[] resized = ImageTransform.resizeShortestSide(image.width(), image.height(), s);
        CropBox window = ImageTransform.centerCrop(resized[0], resized[1], s, s);
        resampler.resize(image, new CropBox(0, 0, image.width(), image.height()), resized[0], resized[1], window, out);
    }

    /** ToTensor + Normalize of a size x size interleaved RGB image into dst as CHW float32. */
    public void normalize(byte[] pixels, MemorySegment dst) {
        int s = transform.size();
        int plane = s * s;
        checkDestination(dst);
        float[] out = chw;
        float[] t = lut;
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            out[i] = t[pixels[p] & 0xFF];
            out[plane + i] = t[256 + (pixels[p + 1] & 0xFF)];
            out[2 * plane + i] = t[512 + (pixels[p + 2] & 0xFF)];
        }
        MemorySegment.copy(out, 0, dst, JAVA_FLOAT_UNALIGNED, 0, 3 * plane);
    }

    @Override
    public void close() {
        if (ownsDecoder) {
            decoder.close();
        }
    }
}
