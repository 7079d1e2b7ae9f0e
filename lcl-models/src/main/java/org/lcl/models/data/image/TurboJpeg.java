package org.lcl.models.data.image;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * JPEG decoding through libjpeg-turbo's TurboJPEG API ({@code libturbojpeg.so.0}, Debian
 * {@code libturbojpeg0}) over the foreign-function API. PIL decodes JPEG with the same
 * libjpeg-turbo (Debian {@code libjpeg62-turbo}) and the same settings (accurate integer IDCT,
 * fancy upsampling), so the pixels are PIL's bit for bit.
 *
 * <p>The library is optional: {@link #available()} is false when it cannot be loaded, and
 * {@link ImageDecoder} then decodes JPEG with ImageIO. {@code -Dlcl.image.turbojpeg=false}
 * disables it; {@code -Dlcl.image.turbojpeg=/path/libturbojpeg.so} names another file.
 *
 * <p>An instance holds a decompressor handle and native scratch buffers and is not
 * thread-safe: one per worker thread.
 */
final class TurboJpeg implements AutoCloseable {

    static final int TJCS_CMYK = 3;
    static final int TJCS_YCCK = 4;
    private static final int TJPF_RGB = 0;
    private static final int TJPF_CMYK = 11;
    private static final int TJERR_WARNING = 0;

    private static final MethodHandle INIT;
    private static final MethodHandle HEADER;
    private static final MethodHandle DECOMPRESS;
    private static final MethodHandle ERROR_STR;
    private static final MethodHandle ERROR_CODE;
    private static final MethodHandle DESTROY;
    private static final String UNAVAILABLE;

    static {
        MethodHandle init = null;
        MethodHandle header = null;
        MethodHandle decompress = null;
        MethodHandle errorStr = null;
        MethodHandle errorCode = null;
        MethodHandle destroy = null;
        String unavailable = null;
        String name = System.getProperty("lcl.image.turbojpeg", "libturbojpeg.so.0");
        if (name.equals("false") || name.isEmpty()) {
            unavailable = "disabled by -Dlcl.image.turbojpeg=" + name;
        } else {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
                Linker linker = Linker.nativeLinker();
                init = linker.downcallHandle(lib.findOrThrow("tjInitDecompress"), FunctionDescriptor.of(ADDRESS));
                // int tjDecompressHeader3(tjhandle, const unsigned char *, unsigned long, int *w, int *h, int *subsamp, int *colorspace)
                header = linker.downcallHandle(lib.findOrThrow("tjDecompressHeader3"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
                // int tjDecompress2(tjhandle, const unsigned char *, unsigned long, unsigned char *dst, int w, int pitch, int h, int pf, int flags)
                decompress = linker.downcallHandle(lib.findOrThrow("tjDecompress2"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
                errorStr = linker.downcallHandle(lib.findOrThrow("tjGetErrorStr2"), FunctionDescriptor.of(ADDRESS, ADDRESS));
                errorCode = linker.downcallHandle(lib.findOrThrow("tjGetErrorCode"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
                destroy = linker.downcallHandle(lib.findOrThrow("tjDestroy"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            } catch (Throwable t) {
                unavailable = "cannot load " + name + " (" + t.getMessage() + "); install Debian's libturbojpeg0";
                init = header = decompress = errorStr = errorCode = destroy = null;
            }
        }
        INIT = init;
        HEADER = header;
        DECOMPRESS = decompress;
        ERROR_STR = errorStr;
        ERROR_CODE = errorCode;
        DESTROY = destroy;
        UNAVAILABLE = unavailable;
    }

    /** Whether libturbojpeg could be loaded. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why it is not available, or null. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment ints;
    private final NativeScratch in = new NativeScratch();
    private final NativeScratch out = new NativeScratch();
    private byte[] cmyk = new byte[0];

    TurboJpeg() {
        if (!available()) {
            throw new IllegalStateException("libturbojpeg: " + UNAVAILABLE);
        }
        try {
            handle = (MemorySegment) INIT.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("tjInitDecompress failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("tjInitDecompress returned NULL");
        }
        ints = arena.allocate(JAVA_INT, 4);
    }

    /**
     * Decodes a JPEG into {@code into} as PIL's {@code Image.open(...).convert("RGB")} would.
     * Gray JPEGs come out replicated; CMYK and YCCK ones go through PIL's CMYK-to-RGB formula.
     */
    void decode(byte[] data, int off, int len, RgbImage into, long maxPixels) throws ImageDecodeException {
        MemorySegment src = in.atLeast(len);
        MemorySegment.copy(data, off, src, JAVA_BYTE, 0, len);
        int rc;
        try {
            rc = (int) HEADER.invokeExact(handle, src, (long) len, ints, ints.asSlice(4), ints.asSlice(8), ints.asSlice(12));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) {
            throw new ImageDecodeException("invalid JPEG: " + error());
        }
        int w = ints.getAtIndex(JAVA_INT, 0);
        int h = ints.getAtIndex(JAVA_INT, 1);
        int colorspace = ints.getAtIndex(JAVA_INT, 3);
        ImageDecoder.checkSize(w, h, maxPixels);
        boolean isCmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
        int channels = isCmyk ? 4 : 3;
        long n = (long) w * h * channels;
        MemorySegment dst = out.atLeast(n);
        try {
            rc = (int) DECOMPRESS.invokeExact(handle, src, (long) len, dst, w, 0, h, isCmyk ? TJPF_CMYK : TJPF_RGB, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) {
            String message = error();
            int code;
            try {
                code = (int) ERROR_CODE.invokeExact(handle);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            // libjpeg turns a truncated file into a warning and fills the rest with grey; PIL
            // raises "image file is truncated". Other warnings (e.g. extraneous bytes before a
            // marker) do not stop PIL either.
            if (code != TJERR_WARNING || message.contains("Premature end")) {
                throw new ImageDecodeException((code == TJERR_WARNING ? "truncated JPEG: " : "corrupt JPEG: ") + message);
            }
        }
        into.reset(w, h);
        if (!isCmyk) {
            MemorySegment.copy(dst, JAVA_BYTE, 0, into.data(), 0, (int) n);
            return;
        }
        if (cmyk.length < n) {
            cmyk = new byte[(int) n];
        }
        MemorySegment.copy(dst, JAVA_BYTE, 0, cmyk, 0, (int) n);
        // PIL reads CMYK JPEGs as inverted (Adobe convention, rawmode "CMYK;I").
        ImageDecoder.cmykToRgb(cmyk, w * h, true, into.data());
    }

    private String error() {
        try {
            MemorySegment s = (MemorySegment) ERROR_STR.invokeExact(handle);
            return s.equals(MemorySegment.NULL) ? "unknown error" : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "unknown error (" + t + ")";
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) DESTROY.invokeExact(handle);
        } catch (Throwable t) {
            // nothing to do: the handle is gone either way
        }
        in.close();
        out.close();
        arena.close();
    }
}
