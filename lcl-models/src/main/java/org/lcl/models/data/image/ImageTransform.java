package org.lcl.models.data.image;

import java.util.random.RandomGenerator;

/**
 * The geometry of OpenCLIP's image transforms (torchvision 0.14 on PIL images), immutable and
 * thread-safe; {@link ImagePreprocessor} applies it.
 * <ul>
 *   <li>train: {@code RandomResizedCrop(size, scale=(0.9, 1.0), ratio=(3/4, 4/3),
 *       interpolation=BICUBIC)} — a crop drawn by torchvision's {@code get_params} (10 tries,
 *       then the central fallback), resized to size x size;</li>
 *   <li>eval: {@code Resize(size, BICUBIC)} (shortest side to size, the other side
 *       {@code int(size * long / short)}) then {@code CenterCrop(size)} (offsets
 *       {@code int(round((in - out) / 2))}, Python's round-half-even).</li>
 * </ul>
 * Randomness comes from the generator passed in, so a seeded generator per (seed, epoch, rank,
 * sample) makes the crops reproducible; the draws are not torch's.
 */
public final class ImageTransform {

    /** OpenAI CLIP's normalisation, as in OpenCLIP's OPENAI_DATASET_MEAN / STD. */
    public static final float[] OPENAI_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] OPENAI_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final boolean train;
    private final int size;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;
    private final float[] mean;
    private final float[] std;

    private ImageTransform(boolean train, int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax, float[] mean, float[] std) {
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + size);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1.0)) {
            throw new IllegalArgumentException("scale range must satisfy 0 < min <= max <= 1: (" + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("ratio range must satisfy 0 < min <= max: (" + ratioMin + ", " + ratioMax + ")");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values each");
        }
        this.train = train;
        this.size = size;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** OpenCLIP's train transform: RandomResizedCrop(size, scale (0.9, 1.0), ratio (3/4, 4/3)). */
    public static ImageTransform train(int size) {
        return train(size, 0.9, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    public static ImageTransform train(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        return new ImageTransform(true, size, scaleMin, scaleMax, ratioMin, ratioMax, OPENAI_MEAN, OPENAI_STD);
    }

    /** OpenCLIP's eval transform: Resize(size) (shortest side) + CenterCrop(size). */
    public static ImageTransform eval(int size) {
        return new ImageTransform(false, size, 1.0, 1.0, 1.0, 1.0, OPENAI_MEAN, OPENAI_STD);
    }

    /** The same geometry with another normalisation. */
    public ImageTransform withNormalization(float[] mean, float[] std) {
        return new ImageTransform(train, size, scaleMin, scaleMax, ratioMin, ratioMax, mean, std);
    }

    public boolean isTrain() {
        return train;
    }

    /** Output height and width. */
    public int size() {
        return size;
    }

    public double scaleMin() {
        return scaleMin;
    }

    public double scaleMax() {
        return scaleMax;
    }

    public double ratioMin() {
        return ratioMin;
    }

    public double ratioMax() {
        return ratioMax;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /**
     * torchvision 0.14's {@code RandomResizedCrop.get_params}: up to 10 draws of an area
     * fraction uniform in [scaleMin, scaleMax] and a log-uniform aspect ratio, with w, h rounded
     * (half to even) and accepted when they fit; the offsets are then uniform. After 10 misses,
     * the central crop clamped to the ratio range.
     */
    public CropBox sampleCrop(int width, int height, RandomGenerator rng) {
        double area = (double) width * height;
        // torch computes log(ratio) in float32 and draws float32 uniforms
        float logMin = (float) Math.log((float) ratioMin);
        float logMax = (float) Math.log((float) ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            float s = uniform(rng, (float) scaleMin, (float) scaleMax);
            double targetArea = area * s;
            double aspect = (float) Math.exp(uniform(rng, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(left, top, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new CropBox((width - w) / 2, (height - h) / 2, w, h);
    }

    private static float uniform(RandomGenerator rng, float from, float to) {
        // torch's uniform_: from + (to - from) * u in float32
        return from + (to - from) * rng.nextFloat();
    }

    /**
     * torchvision's {@code _compute_resized_output_size} for an int size: the shorter side
     * becomes size, the longer {@code int(size * long / short)}. Returns {width, height}.
     */
    public static int[] resizeShortestSide(int width, int height, int size) {
        if (width <= height) {
            return new int[] {size, (int) ((double) ((long) size * height) / width)};
        }
        return new int[] {(int) ((double) ((long) size * width) / height), size};
    }

    /**
     * torchvision's {@code center_crop} offsets: {@code int(round((in - out) / 2.0))}
     * (half to even). The crop must fit (torchvision would pad otherwise).
     */
    public static CropBox centerCrop(int width, int height, int cropWidth, int cropHeight) {
        if (cropWidth > width || cropHeight > height) {
            throw new IllegalArgumentException("center crop " + cropWidth + "x" + cropHeight + " larger than " + width + "x" + height);
        }
        int top = (int) Math.rint((height - cropHeight) / 2.0);
        int left = (int) Math.rint((width - cropWidth) / 2.0);
        return new CropBox(left, top, cropWidth, cropHeight);
    }

    @Override
    public String toString() {
        return train
                ? "RandomResizedCrop(" + size + ", scale=(" + scaleMin + ", " + scaleMax + "), ratio=(" + ratioMin + ", " + ratioMax + "), bicubic)"
                : "Resize(" + size + ", bicubic) + CenterCrop(" + size + ")";
    }
}
