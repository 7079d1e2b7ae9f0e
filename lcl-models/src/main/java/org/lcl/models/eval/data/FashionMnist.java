package org.lcl.models.eval.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;

/**
 * Fashion-MNIST from its IDX files (gzip-compressed, as the Debian package
 * {@code dataset-fashion-mnist} installs them): 28x28 grayscale images, each gray value
 * replicated to R, G and B; 60000 train and 10000 test samples, ten classes.
 */
public final class FashionMnist implements LabeledImages {

    /** Where the Debian package puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;

    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        public Path images(Path dir) {
            return dir.resolve(prefix + "-images-idx3-ubyte.gz");
        }

        public Path labels(Path dir) {
            return dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        }
    }

    private final Split split;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    private FashionMnist(Split split, int rows, int cols, byte[] pixels, byte[] labels) {
        this.split = split;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Whether dir holds both splits' files. */
    public static boolean isAvailable(Path dir) {
        for (Split s : Split.values()) {
            if (!Files.isRegularFile(s.images(dir)) || !Files.isRegularFile(s.labels(dir))) {
                return false;
            }
        }
        return true;
    }

    /** Reads a split from dir ({@link #DEFAULT_DIR} for the Debian package). */
    public static FashionMnist load(Path dir, Split split) throws IOException {
        Path imageFile = split.images(dir);
        Path labelFile = split.labels(dir);
        for (Path p : List.of(imageFile, labelFile)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("Fashion-MNIST file " + p + " not found (install the Debian package dataset-fashion-mnist, "
                        + "or give the directory holding " + imageFile.getFileName() + " and " + labelFile.getFileName() + ")");
            }
        }
        int n;
        int rows;
        int cols;
        byte[] pixels;
        try (DataInputStream in = open(imageFile)) {
            checkMagic(in.readInt(), IMAGES_MAGIC, imageFile);
            n = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0) {
                throw new IOException(imageFile + ": bad header: " + n + " images of " + rows + "x" + cols);
            }
            pixels = new byte[Math.multiplyExact(n, Math.multiplyExact(rows, cols))];
            readFully(in, pixels, imageFile);
        }
        byte[] labels;
        try (DataInputStream in = open(labelFile)) {
            checkMagic(in.readInt(), LABELS_MAGIC, labelFile);
            int nLabels = in.readInt();
            if (nLabels != n) {
                throw new IOException(labelFile + " has " + nLabels + " labels but " + imageFile + " has " + n + " images");
            }
            labels = new byte[n];
            readFully(in, labels, labelFile);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= CLASSES.size()) {
                throw new IOException(labelFile + ": label " + labels[i] + " of sample " + i + " is outside 0.." + (CLASSES.size() - 1));
            }
        }
        return new FashionMnist(split, rows, cols, pixels, labels);
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = Files.newInputStream(p);
        try {
            return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
        } catch (IOException e) {
            raw.close();
            throw new IOException(p + ": not a gzip file: " + e.getMessage(), e);
        }
    }

    private static void checkMagic(int found, int expected, Path p) throws IOException {
        if (found != expected) {
            throw new IOException(p + ": IDX magic number " + found + ", expected " + expected);
        }
    }

    private static void readFully(DataInputStream in, byte[] dst, Path p) throws IOException {
        try {
            in.readFully(dst);
        } catch (EOFException e) {
            throw new IOException(p + " is truncated: expected " + dst.length + " bytes of data", e);
        }
    }

    public Split split() {
        return split;
    }

    @Override
    public String name() {
        return "fashion-mnist/" + split.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public List<String> classes() {
        return CLASSES;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    /** The gray values (0..255) of sample i, row-major. */
    public byte[] gray(int i) {
        int plane = rows * cols;
        byte[] out = new byte[plane];
        System.arraycopy(pixels, i * plane, out, 0, plane);
        return out;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    @Override
    public RgbImage image(int i, ImageDecoder decoder) {
        int plane = rows * cols;
        byte[] rgb = new byte[3 * plane];
        for (int p = 0, src = i * plane; p < plane; p++, src++) {
            byte v = pixels[src];
            rgb[3 * p] = v;
            rgb[3 * p + 1] = v;
            rgb[3 * p + 2] = v;
        }
        return new RgbImage(cols, rows, rgb);
    }

    @Override
    public String source(int i) {
        return name() + "[" + i + "]";
    }
}
