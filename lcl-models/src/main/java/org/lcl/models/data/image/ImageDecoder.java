package org.lcl.models.data.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG, PNG and WebP (and whatever else ImageIO reads: GIF, BMP) into 8-bit RGB with
 * the semantics of PIL's {@code Image.open(f).convert("RGB")}:
 * <ul>
 *   <li>grayscale is replicated to R = G = B; 1-, 2- and 4-bit grayscale scale to 0..255;</li>
 *   <li>palette images are expanded through the palette (transparency ignored);</li>
 *   <li>alpha is dropped <em>without</em> compositing: the colour under a transparent pixel is
 *       kept as stored;</li>
 *   <li>16-bit PNGs keep the high byte, except 16-bit grayscale without alpha, which PIL opens
 *       as mode "I" and clips to 255 (so most of such an image turns white, as in PIL);</li>
 *   <li>CMYK/YCCK JPEGs are read as Adobe-inverted CMYK and converted with PIL's naive
 *       formula (no ICC profile), as PIL does;</li>
 *   <li>embedded ICC profiles and EXIF orientation are ignored, as PIL does.</li>
 * </ul>
 *
 * <p>JPEG goes through libjpeg-turbo's TurboJPEG library and WebP through libwebp when they are
 * installed (the decoders PIL uses, so the pixels are identical; see {@link TurboJpeg},
 * {@link LibWebp}), else through ImageIO: the JDK's libjpeg 6b for JPEG (its output for
 * baseline, progressive, gray and CMYK files also matched PIL's in our tests) and TwelveMonkeys'
 * pure-Java WebP reader (lossy files differ by 1.4 levels on average: other chroma upsampling).
 * PNG, GIF and BMP are the JDK's readers.
 *
 * <p>Corrupt, truncated or unrecognised data, and images with more than {@link #maxPixels()}
 * pixels (PIL's decompression-bomb limit by default), give an {@link ImageDecodeException}.
 *
 * <p>An instance keeps readers and scratch buffers and is <em>not</em> thread-safe: use one
 * per worker thread, and {@link #close()} it when done.
 */
public final class ImageDecoder implements AutoCloseable {

    /** PIL's {@code DecompressionBombError} threshold: 2 × {@code Image.MAX_IMAGE_PIXELS}. */
    public static final long PIL_MAX_PIXELS = 2L * 89_478_485L;

    static {
        // Plugins on the class path (TwelveMonkeys WebP and JPEG) register through ServiceLoader,
        // but only with the class loader seen at ImageIO's first use: scan once more here.
        ImageIO.scanForPlugins();
    }

    /** Image container formats recognised from their first bytes. */
    public enum Format { JPEG, PNG, WEBP, GIF, BMP, OTHER }

    private final long maxPixels;
    private final TurboJpeg turbo;
    private final LibWebp webp;
    private final Map<String, ImageReader> readers = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final IIOReadWarningListener warningListener = (source, warning) -> warnings.add(warning);
    private int[] rowScratch = new int[0];

    /** A decoder with PIL's pixel limit, using libturbojpeg for JPEG when it is installed. */
    public ImageDecoder() {
        this(PIL_MAX_PIXELS, true);
    }

    /**
     * @param maxPixels images with more pixels are rejected before decoding
     * @param nativeCodecs whether to use libturbojpeg for JPEG and libwebp for WebP when they
     *     are installed (else ImageIO for everything)
     */
    public ImageDecoder(long maxPixels, boolean nativeCodecs) {
        this(maxPixels, nativeCodecs, nativeCodecs);
    }

    /**
     * @param maxPixels images with more pixels are rejected before decoding
     * @param nativeJpeg whether to use libturbojpeg for JPEG when available (else ImageIO)
     * @param nativeWebp whether to use libwebp for WebP when available (else ImageIO)
     */
    public ImageDecoder(long maxPixels, boolean nativeJpeg, boolean nativeWebp) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
        }
        this.maxPixels = maxPixels;
        this.turbo = nativeJpeg && TurboJpeg.available() ? new TurboJpeg() : null;
        this.webp = nativeWebp && LibWebp.available() ? new LibWebp() : null;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Which decoder JPEG files go through in this instance: "libturbojpeg" or "imageio". */
    public String jpegBackend() {
        return turbo != null ? "libturbojpeg" : "imageio";
    }

    /** Which decoder WebP files go through first in this instance: "libwebp" or "imageio". */
    public String webpBackend() {
        return webp != null ? "libwebp" : "imageio";
    }

    /** Why libturbojpeg is not used by default on this machine, or null when it is. */
    public static String nativeJpegUnavailableReason() {
        return TurboJpeg.unavailableReason();
    }

    /** Why libwebp is not used by default on this machine, or null when it is. */
    public static String nativeWebpUnavailableReason() {
        return LibWebp.unavailableReason();
    }

    /** The format of encoded data from its magic bytes. */
    public static Format sniff(byte[] d, int off, int len) {
        if (len >= 3 && (d[off] & 0xFF) == 0xFF && (d[off + 1] & 0xFF) == 0xD8 && (d[off + 2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        if (len >= 8 && (d[off] & 0xFF) == 0x89 && d[off + 1] == 'P' && d[off + 2] == 'N' && d[off + 3] == 'G'
                && d[off + 4] == 0x0D && d[off + 5] == 0x0A && d[off + 6] == 0x1A && d[off + 7] == 0x0A) {
            return Format.PNG;
        }
        if (len >= 12 && d[off] == 'R' && d[off + 1] == 'I' && d[off + 2] == 'F' && d[off + 3] == 'F'
                && d[off + 8] == 'W' && d[off + 9] == 'E' && d[off + 10] == 'B' && d[off + 11] == 'P') {
            return Format.WEBP;
        }
        if (len >= 6 && d[off] == 'G' && d[off + 1] == 'I' && d[off + 2] == 'F' && d[off + 3] == '8') {
            return Format.GIF;
        }
        if (len >= 2 && d[off] == 'B' && d[off + 1] == 'M') {
            return Format.BMP;
        }
        return Format.OTHER;
    }

    /** Decodes into a new image. */
    public RgbImage decode(byte[] data) throws ImageDecodeException {
        RgbImage image = new RgbImage();
        decode(data, 0, data.length, image);
        return image;
    }

    /** Decodes {@code data[off, off + len)} into {@code into}, reusing its array when large enough. */
    public void decode(byte[] data, int off, int len, RgbImage into) throws ImageDecodeException {
        if (off < 0 || len < 0 || off + len > data.length) {
            throw new IndexOutOfBoundsException("range [" + off + ", " + (off + len) + ") of " + data.length + " bytes");
        }
        if (len == 0) {
            throw new ImageDecodeException("empty image data");
        }
        Format format = sniff(data, off, len);
        if (format == Format.JPEG && turbo != null) {
            turbo.decode(data, off, len, into, maxPixels);
            return;
        }
        if (format == Format.WEBP && webp != null && webp.decode(data, off, len, into, maxPixels)) {
            return;
        }
        decodeWithImageIO(format, data, off, len, into);
    }

    // ---- ImageIO -----------------------------------------------------------------------------

    private ImageReader reader(Format format, ImageInputStream in) throws ImageDecodeException {
        String key = format.name();
        ImageReader r = readers.get(key);
        if (r != null && format != Format.OTHER) {
            return r;
        }
        Iterator<ImageReader> it = switch (format) {
            case JPEG -> ImageIO.getImageReadersByFormatName("jpeg");
            case PNG -> ImageIO.getImageReadersByFormatName("png");
            case WEBP -> ImageIO.getImageReadersByFormatName("webp");
            case GIF -> ImageIO.getImageReadersByFormatName("gif");
            case BMP -> ImageIO.getImageReadersByFormatName("bmp");
            case OTHER -> ImageIO.getImageReaders(in);
        };
        if (!it.hasNext()) {
            throw new ImageDecodeException(format == Format.OTHER
                    ? "unrecognised image format" : "no ImageIO reader for " + format + " (is the plugin on the class path?)");
        }
        r = it.next();
        if (format != Format.OTHER) {
            readers.put(key, r);
        }
        return r;
    }

    private void decodeWithImageIO(Format format, byte[] data, int off, int len, RgbImage into) throws ImageDecodeException {
        ImageReader reader = null;
        warnings.clear();
        try (ImageInputStream in = new ByteArrayImageInputStream(data, off, len)) {
            reader = reader(format, in);
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(warningListener);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            checkSize(w, h, maxPixels);
            if (format == Format.JPEG && isCmykJpeg(reader)) {
                // PIL's naive CMYK conversion, not the ICC-managed one the reader would apply.
                Raster raster = reader.readRaster(0, null);
                checkWarnings(format);
                cmykRaster(raster, into);
                return;
            }
            BufferedImage image = reader.read(0);
            checkWarnings(format);
            toRgb(image, into);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String what = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            Throwable c = e.getCause();
            if (c != null && c.getMessage() != null && !what.contains(c.getMessage())) {
                what += ": " + c.getMessage();
            }
            throw new ImageDecodeException("cannot decode " + format + " image (" + len + " bytes): " + what, e);
        } finally {
            if (reader != null) {
                reader.removeIIOReadWarningListener(warningListener);
                reader.setInput(null);
                if (format == Format.OTHER) {
                    reader.dispose();
                }
            }
        }
    }

    private void checkWarnings(Format format) throws ImageDecodeException {
        for (String w : warnings) {
            String l = w.toLowerCase(java.util.Locale.ROOT);
            if (l.contains("premature end") || l.contains("truncat") || l.contains("corrupt")) {
                throw new ImageDecodeException("truncated or corrupt " + format + " image: " + w);
            }
        }
    }

    private static boolean isCmykJpeg(ImageReader reader) throws IOException {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        if (raw != null) {
            int t = raw.getColorModel().getColorSpace().getType();
            return t == ColorSpace.TYPE_CMYK;
        }
        return false;
    }

    static void checkSize(int w, int h, long maxPixels) throws ImageDecodeException {
        if (w <= 0 || h <= 0) {
            throw new ImageDecodeException("invalid image size " + w + "x" + h);
        }
        if ((long) w * h > maxPixels) {
            throw new ImageDecodeException("image of " + w + "x" + h + " = " + (long) w * h
                    + " pixels exceeds the limit of " + maxPixels + " (PIL: DecompressionBombError)");
        }
    }

    private int[] rowScratch(int n) {
        if (rowScratch.length < n) {
            rowScratch = new int[n];
        }
        return rowScratch;
    }

    /** 8-bit RGB of a decoded image, as PIL's convert("RGB") of the same file. */
    void toRgb(BufferedImage image, RgbImage into) throws ImageDecodeException {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        into.reset(w, h);
        byte[] out = into.data();

        if (cm instanceof IndexColorModel icm) {
            int n = icm.getMapSize();
            byte[] reds = new byte[256];
            byte[] greens = new byte[256];
            byte[] blues = new byte[256];
            byte[] t = new byte[n];
            icm.getReds(t);
            System.arraycopy(t, 0, reds, 0, Math.min(n, 256));
            icm.getGreens(t);
            System.arraycopy(t, 0, greens, 0, Math.min(n, 256));
            icm.getBlues(t);
            System.arraycopy(t, 0, blues, 0, Math.min(n, 256));
            int[] row = rowScratch(w);
            for (int y = 0, o = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++, o += 3) {
                    int i = row[x] & 0xFF;
                    out[o] = reds[i];
                    out[o + 1] = greens[i];
                    out[o + 2] = blues[i];
                }
            }
            return;
        }

        int bands = raster.getNumBands();
        int csType = cm.getColorSpace().getType();
        SampleModel sm = raster.getSampleModel();
        int bits = sm.getSampleSize(0);
        boolean uniform = true;
        for (int b = 1; b < bands; b++) {
            uniform &= sm.getSampleSize(b) == bits;
        }
        boolean gray = csType == ColorSpace.TYPE_GRAY && (bands == 1 || bands == 2);
        boolean rgb = csType == ColorSpace.TYPE_RGB && (bands == 3 || bands == 4);
        if (!(gray || rgb) || !uniform || (bits != 8 && bits != 16) || cm.isAlphaPremultiplied()) {
            // Unusual layouts (5-6-5 BMP, premultiplied alpha, ...): the colour-managed sRGB values.
            int[] row = rowScratch(w);
            for (int y = 0, o = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++, o += 3) {
                    int p = row[x];
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
            return;
        }

        if (bits == 8 && raster.getDataBuffer() instanceof DataBufferByte dbb && sm instanceof ComponentSampleModel csm
                && dbb.getNumBanks() == 1 && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            byte[] src = dbb.getData();
            int base = dbb.getOffset();
            int[] offsets = csm.getBandOffsets();
            int ps = csm.getPixelStride();
            int ss = csm.getScanlineStride();
            int r0 = offsets[0];
            int g0 = gray ? offsets[0] : offsets[1];
            int b0 = gray ? offsets[0] : offsets[2];
            if (rgb && ps == 3 && r0 == 2 && g0 == 1 && b0 == 0) {
                // TYPE_3BYTE_BGR, the common JPEG case
                for (int y = 0, o = 0; y < h; y++) {
                    int p = base + y * ss;
                    for (int x = 0; x < w; x++, o += 3, p += 3) {
                        out[o] = src[p + 2];
                        out[o + 1] = src[p + 1];
                        out[o + 2] = src[p];
                    }
                }
                return;
            }
            for (int y = 0, o = 0; y < h; y++) {
                int p = base + y * ss;
                for (int x = 0; x < w; x++, o += 3, p += ps) {
                    out[o] = src[p + r0];
                    out[o + 1] = src[p + g0];
                    out[o + 2] = src[p + b0];
                }
            }
            return;
        }

        int[] row = rowScratch(w * bands);
        for (int y = 0, o = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, p = 0; x < w; x++, o += 3, p += bands) {
                if (gray) {
                    int v = row[p];
                    if (bits == 16) {
                        // PIL: 16-bit L opens as mode "I" (RGB = clip(v, 0, 255)); 16-bit LA keeps the high byte
                        v = bands == 1 ? Math.min(v, 255) : v >>> 8;
                    }
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                } else {
                    int s = bits == 16 ? 8 : 0;
                    out[o] = (byte) (row[p] >>> s);
                    out[o + 1] = (byte) (row[p + 1] >>> s);
                    out[o + 2] = (byte) (row[p + 2] >>> s);
                }
            }
        }
    }

    private void cmykRaster(Raster raster, RgbImage into) throws ImageDecodeException {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (raster.getNumBands() != 4 || raster.getTransferType() != DataBuffer.TYPE_BYTE) {
            throw new ImageDecodeException("unsupported CMYK JPEG layout: " + raster.getNumBands() + " bands");
        }
        into.reset(w, h);
        int[] row = rowScratch(4 * w);
        byte[] cmyk = new byte[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int i = 0; i < 4 * w; i++) {
                cmyk[i] = (byte) row[i];
            }
            cmykRowToRgb(cmyk, 0, w, true, into.data(), 3 * w * y);
        }
    }

    /** PIL's cmyk2rgb over n pixels; {@code inverted}: values stored Adobe-style (PIL's "CMYK;I"). */
    static void cmykToRgb(byte[] cmyk, int n, boolean inverted, byte[] out) {
        cmykRowToRgb(cmyk, 0, n, inverted, out, 0);
    }

    private static void cmykRowToRgb(byte[] cmyk, int in, int n, boolean inverted, byte[] out, int o) {
        int flip = inverted ? 0xFF : 0;
        for (int x = 0; x < n; x++, in += 4, o += 3) {
            int nk = 255 - ((cmyk[in + 3] & 0xFF) ^ flip);
            for (int c = 0; c < 3; c++) {
                int v = (cmyk[in + c] & 0xFF) ^ flip;
                int tmp = v * nk + 128;
                int mul = ((tmp >> 8) + tmp) >> 8;
                out[o + c] = (byte) Math.max(0, Math.min(255, nk - mul));
            }
        }
    }

    @Override
    public void close() {
        for (ImageReader r : readers.values()) {
            r.dispose();
        }
        readers.clear();
        if (turbo != null) {
            turbo.close();
        }
        if (webp != null) {
            webp.close();
        }
    }
}
