package org.lcl.models.data.image;

/**
 * PIL's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, reproduced bit for bit
 * (Pillow 9.x {@code libImaging/Resample.c}):
 * <ul>
 *   <li>separable convolution, horizontal pass first, then vertical, each pass skipped when
 *       that axis keeps its size;</li>
 *   <li>bicubic kernel with a = -0.5 and support 2, widened by the downscale factor
 *       ({@code support * max(1, in/out)}) — the antialiasing PIL applies when shrinking;</li>
 *   <li>per-output tap ranges and weights computed in double, normalised to sum 1, then
 *       turned into 22-bit fixed point ({@code PRECISION_BITS = 32 - 8 - 2}) rounded away from 0;</li>
 *   <li>integer accumulation starting at one half, shifted and clipped to 0..255 after each
 *       pass (the intermediate image is 8-bit, as in PIL).</li>
 * </ul>
 * A region of the source can be resized (PIL's {@code crop} followed by {@code resize}), and
 * only a window of the output computed (a {@code resize} followed by a {@code crop}): both give
 * exactly the pixels the full PIL operations would.
 *
 * <p>The arithmetic is PIL's; the loop order is not. Both passes run as "add a weighted row
 * into an accumulator row" over whole {@code int[]} rows, the form the JIT turns into SIMD
 * code: the vertical pass directly, the horizontal one on strips of the source transposed to
 * columns. Integer sums do not depend on the order of the additions, so the result is the same.
 *
 * <p>An instance holds scratch buffers: not thread-safe, one per worker thread.
 */
public final class PilResampler {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    /** Rows per strip of the horizontal pass: bounds the scratch for large images. */
    private static final int STRIP = 64;
    /** Output columns per block of the horizontal pass. */
    private static final int BLOCK = 16;

    private final Coefficients horizontal = new Coefficients();
    private final Coefficients vertical = new Coefficients();
    /** Source columns of one strip, transposed: cols[x][3 * r + c]. */
    private int[][] cols = new int[0][];
    /** The horizontal pass's output, row-major: mid[r][3 * x + c], values 0..255. */
    private int[][] mid = new int[0][];
    /** A block of the horizontal pass's output columns before they go back into rows. */
    private int[][] block = new int[0][];
    private int[] acc = new int[0];
    /** The destination of the current call: bytes, or floats through a table. */
    private byte[] outBytes;
    private float[] outFloats;
    private float[] outLut;

    /** Tap ranges and fixed-point weights of one axis, for a window of outputs. */
    static final class Coefficients {
        int ksize;
        int count;
        int[] start = new int[0];
        int[] taps = new int[0];
        int[] weights = new int[0];
        double[] scratch = new double[0];

        /**
         * PIL's precompute_coeffs + normalize_coeffs_8bpc for resizing inSize to outSize (box
         * 0..inSize), outputs [from, from + n) only.
         */
        void compute(int inSize, int outSize, int from, int n) {
            double scale = (double) (float) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = 2.0 * filterscale;
            int k = (int) Math.ceil(support) * 2 + 1;
            if (start.length < n) {
                start = new int[n];
                taps = new int[n];
            }
            if (weights.length < n * k) {
                weights = new int[n * k];
            }
            if (scratch.length < k) {
                scratch = new double[k];
            }
            ksize = k;
            count = n;
            double ss = 1.0 / filterscale;
            for (int i = 0; i < n; i++) {
                int xx = from + i;
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = bicubic((x + xmin - center + 0.5) * ss);
                    scratch[x] = w;
                    ww += w;
                }
                int o = i * k;
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? scratch[x] / ww : scratch[x];
                    weights[o + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                for (int x = xmax; x < k; x++) {
                    weights[o + x] = 0;
                }
                start[i] = xmin;
                taps[i] = xmax;
            }
        }
    }

    /** PIL's bicubic_filter (a = -0.5). */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** {@code src.resize((outW, outH), BICUBIC)} as a new image. */
    public RgbImage resize(RgbImage src, int outW, int outH) {
        byte[] dst = new byte[3 * outW * outH];
        resize(src, new CropBox(0, 0, src.width(), src.height()), outW, outH, new CropBox(0, 0, outW, outH), dst);
        return new RgbImage(outW, outH, dst);
    }

    /**
     * {@code src.crop(region).resize((outW, outH), BICUBIC).crop(window)} into {@code dst}
     * (interleaved RGB, {@code 3 * window.width * window.height} bytes used).
     *
     * @param region the part of src to resize (PIL's crop before the resize); inside src
     * @param window the part of the resized image to produce; inside outW x outH
     */
    public void resize(RgbImage src, CropBox region, int outW, int outH, CropBox window, byte[] dst) {
        if (dst.length < 3 * window.width() * window.height()) {
            throw new IllegalArgumentException("dst has " + dst.length + " bytes, needs " + 3 * window.width() * window.height());
        }
        outBytes = dst;
        try {
            run(src, region, outW, outH, window);
        } finally {
            outBytes = null;
        }
    }

    /**
     * As {@link #resize(RgbImage, CropBox, int, int, CropBox, byte[])}, but each 8-bit result
     * v of channel c goes through {@code lut[256 * c + v]} into planar (CHW) floats: {@code
     * dst[c * w * h + y * w + x]} for the window's w x h. With torchvision's ToTensor +
     * Normalize as the table, this is the whole tail of the transform in one pass.
     */
    public void resizeToPlanar(RgbImage src, CropBox region, int outW, int outH, CropBox window, float[] lut, float[] dst) {
        if (lut.length < 3 * 256) {
            throw new IllegalArgumentException("lut needs 768 entries, has " + lut.length);
        }
        if (dst.length < 3 * window.width() * window.height()) {
            throw new IllegalArgumentException("dst has " + dst.length + " floats, needs " + 3 * window.width() * window.height());
        }
        outFloats = dst;
        outLut = lut;
        try {
            run(src, region, outW, outH, window);
        } finally {
            outFloats = null;
            outLut = null;
        }
    }

    private void run(RgbImage src, CropBox region, int outW, int outH, CropBox window) {
        if (!region.fitsIn(src.width(), src.height())) {
            throw new IllegalArgumentException(region + " is not inside the " + src.width() + "x" + src.height() + " image");
        }
        if (outW <= 0 || outH <= 0 || !window.fitsIn(outW, outH)) {
            throw new IllegalArgumentException(window + " is not inside the " + outW + "x" + outH + " output");
        }
        int ow = window.width();
        int oh = window.height();
        boolean needH = outW != region.width();
        boolean needV = outH != region.height();
        byte[] s = src.data();
        int srcStride = 3 * src.width();
        int ow3 = 3 * ow;

        // Rows of the region the vertical pass reads (region-relative): [rowFirst, rowFirst + rows).
        int rowFirst;
        int rows;
        if (needV) {
            vertical.compute(region.height(), outH, window.top(), oh);
            rowFirst = vertical.start[0];
            rows = vertical.start[oh - 1] + vertical.taps[oh - 1] - rowFirst;
        } else {
            rowFirst = window.top();
            rows = oh;
        }
        int rowOff = (region.top() + rowFirst) * srcStride;

        // The input of the vertical pass, as int rows: mid[r] for r in [0, rows).
        int[][] m = mid = grow(mid, rows, ow3);
        if (needH) {
            horizontal.compute(region.width(), outW, window.left(), ow);
            horizontalPass(s, rowOff, srcStride, 3 * region.left(), rows, ow, m);
        } else {
            // PIL skips the pass (or copies when neither axis changes): the source values as they are
            int colOff = 3 * (region.left() + window.left());
            for (int r = 0; r < rows; r++) {
                int[] row = m[r];
                int p = rowOff + r * srcStride + colOff;
                for (int i = 0; i < ow3; i++) {
                    row[i] = s[p + i] & 0xFF;
                }
            }
        }

        if (needV) {
            verticalPass(m, rowFirst, ow, oh);
        } else {
            for (int y = 0; y < oh; y++) {
                emit(m[y], y, ow, oh);
            }
        }
    }

    /** Writes output row y (values 0..255, interleaved) to the current destination. */
    private void emit(int[] v, int y, int ow, int oh) {
        if (outBytes != null) {
            byte[] d = outBytes;
            int o = 3 * ow * y;
            for (int i = 0; i < 3 * ow; i++) {
                d[o + i] = (byte) v[i];
            }
            return;
        }
        float[] d = outFloats;
        float[] t = outLut;
        int plane = ow * oh;
        int o = ow * y;
        for (int x = 0, p = 0; x < ow; x++, p += 3) {
            d[o + x] = t[v[p]];
            d[plane + o + x] = t[256 + v[p + 1]];
            d[2 * plane + o + x] = t[512 + v[p + 2]];
        }
    }

    /** Grows a pool of int rows to at least count rows of at least len ints. */
    private static int[][] grow(int[][] pool, int count, int len) {
        if (pool.length < count) {
            pool = java.util.Arrays.copyOf(pool, Math.max(count, pool.length + (pool.length >> 1)));
        }
        int capacity = (len + 255) & ~255;
        for (int i = 0; i < count; i++) {
            if (pool[i] == null || pool[i].length < len) {
                pool[i] = new int[capacity];
            }
        }
        return pool;
    }

    /**
     * PIL's horizontal pass for source rows [0, rows) starting at byte rowOff (stride), region
     * columns from byte colOff, into out[r][3 * xx + c]. Strip by strip, the needed source
     * columns are transposed to int columns so that each output column is a sum of weighted
     * whole columns.
     */
    private void horizontalPass(byte[] s, int rowOff, int stride, int colOff, int rows, int ow, int[][] out) {
        int[] start = horizontal.start;
        int[] taps = horizontal.taps;
        int[] k = horizontal.weights;
        int ksize = horizontal.ksize;
        int first = start[0];
        int ncols = start[ow - 1] + taps[ow - 1] - first;
        int[][] c = cols = grow(cols, ncols, 3 * STRIP);
        int[][] blk = block = grow(block, BLOCK, 3 * STRIP);
        for (int r0 = 0; r0 < rows; r0 += STRIP) {
            int n = Math.min(STRIP, rows - r0);
            int n3 = 3 * n;
            // transpose the strip: c[x][3 * r + ch]
            int p0 = rowOff + r0 * stride + colOff + 3 * first;
            for (int x = 0; x < ncols; x++, p0 += 3) {
                int[] col = c[x];
                for (int r = 0, p = p0, q = 0; r < n; r++, p += stride, q += 3) {
                    col[q] = s[p] & 0xFF;
                    col[q + 1] = s[p + 1] & 0xFF;
                    col[q + 2] = s[p + 2] & 0xFF;
                }
            }
            for (int x0 = 0; x0 < ow; x0 += BLOCK) {
                int nb = Math.min(BLOCK, ow - x0);
                // BLOCK output columns as whole strip columns: sums of weighted source columns
                for (int b = 0; b < nb; b++) {
                    int xx = x0 + b;
                    int[] a = blk[b];
                    java.util.Arrays.fill(a, 0, n3, HALF);
                    int kOff = xx * ksize;
                    int base = start[xx] - first;
                    int t = taps[xx];
                    for (int j = 0; j < t; j++) {
                        int w = k[kOff + j];
                        int[] col = c[base + j];
                        for (int i = 0; i < n3; i++) {
                            a[i] += col[i] * w;
                        }
                    }
                    for (int i = 0; i < n3; i++) {
                        a[i] = Math.max(0, Math.min(a[i] >> PRECISION_BITS, 255));
                    }
                }
                // transpose the block back into the rows
                for (int r = 0; r < n; r++) {
                    int[] row = out[r0 + r];
                    int q = 3 * r;
                    for (int b = 0, o = 3 * x0; b < nb; b++, o += 3) {
                        int[] a = blk[b];
                        row[o] = a[q];
                        row[o + 1] = a[q + 1];
                        row[o + 2] = a[q + 2];
                    }
                }
            }
        }
    }

    /** PIL's vertical pass over int rows m (m[0] is region row rowFirst) into dst bytes. */
    private void verticalPass(int[][] m, int rowFirst, int ow, int oh) {
        int[] start = vertical.start;
        int[] taps = vertical.taps;
        int[] k = vertical.weights;
        int ksize = vertical.ksize;
        int ow3 = 3 * ow;
        if (acc.length < ow3) {
            acc = new int[ow3];
        }
        int[] a = acc;
        for (int yy = 0; yy < oh; yy++) {
            java.util.Arrays.fill(a, 0, ow3, HALF);
            int first = start[yy] - rowFirst;
            int kOff = yy * ksize;
            int t = taps[yy];
            for (int j = 0; j < t; j++) {
                int w = k[kOff + j];
                int[] row = m[first + j];
                for (int i = 0; i < ow3; i++) {
                    a[i] += row[i] * w;
                }
            }
            for (int i = 0; i < ow3; i++) {
                a[i] = Math.max(0, Math.min(a[i] >> PRECISION_BITS, 255));
            }
            emit(a, yy, ow, oh);
        }
    }
}
