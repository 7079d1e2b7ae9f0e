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
 * WebP decoding through libwebp ({@code libwebp.so.7}, Debian {@code libwebp7}, which
 * python3-pil itself depends on) over the foreign-function API: the decoder and settings PIL
 * uses (fancy upsampling), so lossy files come out as PIL's pixels; TwelveMonkeys' pure-Java
 * reader differs by about one level on lossy files.
 *
 * <p>Optional like {@link TurboJpeg}: when the library cannot be loaded, or it rejects a file
 * (e.g. an animation), {@link ImageDecoder} falls back to ImageIO.
 * {@code -Dlcl.image.libwebp=false} disables it. Not thread-safe: one per worker thread.
 */
final class LibWebp implements AutoCloseable {

    private static final MethodHandle GET_INFO;
    private static final MethodHandle DECODE_RGB_INTO;
    private static final String UNAVAILABLE;

    static {
        MethodHandle info = null;
        MethodHandle decode = null;
        String unavailable = null;
        String name = System.getProperty("lcl.image.libwebp", "libwebp.so.7");
        if (name.equals("false") || name.isEmpty()) {
            unavailable = "disabled by -Dlcl.image.libwebp=" + name;
        } else {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
                Linker linker = Linker.nativeLinker();
                // int WebPGetInfo(const uint8_t *data, size_t size, int *width, int *height)
                info = linker.downcallHandle(lib.findOrThrow("WebPGetInfo"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
                // uint8_t *WebPDecodeRGBInto(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, int stride)
                decode = linker.downcallHandle(lib.findOrThrow("WebPDecodeRGBInto"),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (Throwable t) {
                unavailable = "cannot load " + name + " (" + t.getMessage() + "); install Debian's libwebp7";
                info = decode = null;
            }
        }
        GET_INFO = info;
        DECODE_RGB_INTO = decode;
        UNAVAILABLE = unavailable;
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableReason() {
        return UNAVAILABLE;
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment ints = arena.allocate(JAVA_INT, 2);
    private final NativeScratch in = new NativeScratch();
    private final NativeScratch out = new NativeScratch();

    LibWebp() {
        if (!available()) {
            throw new IllegalStateException("libwebp: " + UNAVAILABLE);
        }
    }

    /**
     * Decodes a still WebP into RGB (alpha dropped, colours under it as stored). Returns false,
     * leaving {@code into} untouched, when libwebp rejects the data (corrupt, truncated or
     * animated): the caller then tries ImageIO.
     */
    boolean decode(byte[] data, int off, int len, RgbImage into, long maxPixels) throws ImageDecodeException {
        MemorySegment src = in.atLeast(len);
        MemorySegment.copy(data, off, src, JAVA_BYTE, 0, len);
        int ok;
        try {
            ok = (int) GET_INFO.invokeExact(src, (long) len, ints, ints.asSlice(4));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (ok == 0) {
            return false;
        }
        int w = ints.getAtIndex(JAVA_INT, 0);
        int h = ints.getAtIndex(JAVA_INT, 1);
        ImageDecoder.checkSize(w, h, maxPixels);
        long n = 3L * w * h;
        MemorySegment dst = out.atLeast(n);
        MemorySegment r;
        try {
            r = (MemorySegment) DECODE_RGB_INTO.invokeExact(src, (long) len, dst, n, 3 * w);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r.equals(MemorySegment.NULL)) {
            return false;
        }
        into.reset(w, h);
        MemorySegment.copy(dst, JAVA_BYTE, 0, into.data(), 0, (int) n);
        return true;
    }

    @Override
    public void close() {
        in.close();
        out.close();
        arena.close();
    }
}
