package org.lcl.torch.serialization;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lcl.torch.DType;

/**
 * Hugging Face's {@code .safetensors} format, read and written in pure Java.
 *
 * <p>A file is an 8-byte little-endian unsigned header length {@code N}, {@code N} bytes of UTF-8 JSON, then the
 * data: each tensor's elements row-major and little-endian. The header maps each tensor name to
 * {@code {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}} (offsets in bytes, relative to the start
 * of the data) and may hold {@code "__metadata__"}, a map of strings to strings.
 *
 * <p>Reading is strict, as the reference implementation is and more: the tensors' byte ranges must tile the data
 * exactly (no gap, no overlap, nothing after the last tensor), each range must hold exactly {@code shape × dtype}
 * bytes, keys must be unique, and the JSON must be valid; any violation throws a {@link TorchFormatException} whose
 * message names the file and the offending tensor. Writing matches the reference writer byte for byte for the same
 * tensors and metadata: tensors ordered by decreasing dtype alignment then by name, compact JSON, header padded with
 * spaces to a multiple of 8 bytes so that every tensor starts aligned to its element size.
 *
 * <p>Supported dtypes: {@code F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL}, the ones {@link DType} has. Files with other
 * dtypes of the format ({@code U16 U32 U64}, the FP8/FP6/FP4 types, {@code C64}) are refused with an error naming
 * the tensor and its dtype.
 */
public final class Safetensors {

    /** The largest header accepted, as in the reference implementation (its MAX_HEADER_SIZE). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    /** Dtypes of the format that {@link DType} cannot hold: a distinct error from an unknown name. */
    private static final Set<String> UNSUPPORTED = Set.of("U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E4M3FN",
            "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private static final String SUPPORTED = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    /** One tensor's header entry, offsets relative to the data. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private record Header(long dataStart, long dataLength, List<Entry> entries, Map<String, String> metadata) {
    }

    private Safetensors() {
    }

    /**
     * The tensors of {@code file} in header order (the JSON object's key order). Zero-copy: the data is
     * memory-mapped read-only once, and each tensor's {@link HostTensor#storage() storage} is a slice of that
     * mapping, contiguous, on {@code "cpu"}. The mapping lives as long as any of the buffers does; don't truncate or
     * rewrite the file in place meanwhile ({@link #write} replaces files by renaming and is safe).
     *
     * @throws TorchFormatException if the file is not a valid safetensors file (the message says where and why)
     */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            MemorySegment data = header.dataLength == 0
                    ? MemorySegment.ofArray(new byte[0]).asReadOnly()
                    : channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart, header.dataLength, Arena.ofAuto());
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Entry e : header.entries) {
                ByteBuffer bytes = data.asSlice(e.begin, e.end - e.begin).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                out.put(e.name, HostTensor.ofContiguous(e.dtype, e.shape, bytes));
            }
            return out;
        }
    }

    /**
     * The {@code __metadata__} of {@code file} in header order, empty if it has none. Reads and validates only the
     * header (the whole header, against the file's size), not the data.
     */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel).metadata;
        }
    }

    /**
     * Writes {@code tensors} and {@code metadata} (null or empty: none) to {@code file}, atomically: into a temporary
     * file beside it, flushed to disk, then renamed over {@code file}. Tensors are written row-major whatever their
     * strides; their {@code device} and {@code requiresGrad} are not part of the format and are dropped. The file
     * lists tensors as the reference writer does (decreasing alignment, then name), not in the map's order.
     *
     * @throws IllegalArgumentException for a null or reserved ({@code "__metadata__"}) name, a null tensor or
     *         metadata entry, or a string that is not valid Unicode
     */
    public static void write(Map<String, HostTensor> tensors, Map<String, String> metadata, Path file)
            throws IOException {
        List<Map.Entry<String, HostTensor>> order = new ArrayList<>(tensors.size());
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("null tensor name or tensor: " + e.getKey());
            }
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("\"" + METADATA_KEY + "\" is reserved and cannot name a tensor");
            }
            order.add(Map.entry(e.getKey(), e.getValue()));
        }
        Comparator<Map.Entry<String, HostTensor>> byAlignment =
                Comparator.comparingInt(e -> -alignmentRank(e.getValue().dtype()));
        order.sort(byAlignment.thenComparing((a, b) -> Arrays.compareUnsigned(utf8(a.getKey()), utf8(b.getKey()))));

        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            SafetensorsJson.appendString(json, METADATA_KEY);
            json.append(":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("null metadata key or value: " + m.getKey());
                }
                json.append(sep);
                SafetensorsJson.appendString(json, m.getKey());
                json.append(':');
                SafetensorsJson.appendString(json, m.getValue());
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : order) {
            HostTensor t = e.getValue();
            long bytes = Math.multiplyExact(t.numel(), (long) t.dtype().elementSize());
            if (json.length() > 1) {
                json.append(',');
            }
            SafetensorsJson.appendString(json, e.getKey());
            json.append(":{\"dtype\":\"").append(dtypeName(t.dtype())).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int d = 0; d < shape.length; d++) {
                json.append(d == 0 ? "" : ",").append(shape[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] encoded = utf8(json.toString());
        int padded = (encoded.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header of " + padded + " bytes exceeds the " + MAX_HEADER_BYTES
                    + "-byte limit that readers enforce");
        }
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(encoded);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        AtomicFile.write(file, channel -> {
            writeFully(channel, head);
            for (Map.Entry<String, HostTensor> e : order) {
                writeFully(channel, e.getValue().contiguousBytes());
            }
        });
    }

    // ---- reading ------------------------------------------------------------------------------

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw fail(file, "truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthField, 0);
        long n = lengthField.getLong(0);
        if (n < 0 || n > size - 8) {
            throw fail(file, "header length " + Long.toUnsignedString(n) + " exceeds the file: only " + (size - 8)
                    + " bytes follow the length field (truncated, or not a safetensors file)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw fail(file, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(channel, headerBytes, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw fail(file, "header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw fail(file, "header does not start with '{': not a safetensors file");
        }
        Object json;
        try {
            json = SafetensorsJson.parse(text);
        } catch (TorchFormatException e) {
            throw new TorchFormatException(file + ": malformed header JSON " + e.getMessage(), e);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) json; // starts with '{' and parsed: an object
        return validate(file, root, 8 + n, size - 8 - n);
    }

    private static Header validate(Path file, Map<String, Object> root, long dataStart, long dataLength)
            throws TorchFormatException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> kv : root.entrySet()) {
            String name = kv.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(kv.getValue() instanceof Map<?, ?> m)) {
                    throw fail(file, METADATA_KEY + " must be an object of strings, got " + describe(kv.getValue()));
                }
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getValue() instanceof String v)) {
                        throw fail(file, METADATA_KEY + " must map strings to strings, but key '" + e.getKey()
                                + "' has " + describe(e.getValue()));
                    }
                    metadata.put((String) e.getKey(), v);
                }
                continue;
            }
            entries.add(entry(file, name, kv.getValue(), dataLength));
        }
        checkLayout(file, entries, dataLength);
        return new Header(dataStart, dataLength, entries, metadata);
    }

    private static Entry entry(Path file, String name, Object value, long dataLength) throws TorchFormatException {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> info)) {
            throw fail(file, where + ": expected an object with dtype, shape and data_offsets, got "
                    + describe(value));
        }
        for (Object key : info.keySet()) {
            if (!Set.of("dtype", "shape", "data_offsets").contains(key)) {
                throw fail(file, where + ": unknown field '" + key + "'");
            }
        }
        if (!info.containsKey("dtype")) {
            throw fail(file, where + ": missing dtype");
        }
        if (!(info.get("dtype") instanceof String dtypeName)) {
            throw fail(file, where + ": dtype must be a string, got " + describe(info.get("dtype")));
        }
        DType dtype = dtypeOf(dtypeName);
        if (dtype == null) {
            throw fail(file, where + (UNSUPPORTED.contains(dtypeName)
                    ? ": dtype " + dtypeName + " is not supported (supported: " + SUPPORTED + ")"
                    : ": unknown dtype '" + dtypeName + "' (supported: " + SUPPORTED + ")"));
        }
        long[] shape = longs(file, where, "shape", info.get("shape"), -1);
        long[] offsets = longs(file, where, "data_offsets", info.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        String range = " data_offsets [" + begin + ", " + end + "]";
        if (end < begin) {
            throw fail(file, where + ":" + range + " end before they begin");
        }
        if (end > dataLength) {
            throw fail(file, where + ":" + range + " exceed the " + dataLength
                    + " bytes of data after the header (truncated file?)");
        }
        long bytes;
        try {
            long numel = 1;
            for (long s : shape) {
                numel = Math.multiplyExact(numel, s);
            }
            bytes = Math.multiplyExact(numel, (long) dtype.elementSize());
        } catch (ArithmeticException e) {
            throw fail(file, where + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (end - begin != bytes) {
            throw fail(file, where + ":" + range + " hold " + (end - begin) + " bytes, but shape "
                    + Arrays.toString(shape) + " of " + dtypeName + " needs " + bytes);
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw fail(file, where + ": " + bytes + " bytes exceed what a Java buffer holds (2 GiB)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers, of {@code length} elements unless that is negative. */
    private static long[] longs(Path file, String where, String field, Object value, int length)
            throws TorchFormatException {
        String expected = field + " must be an array of " + (length >= 0 ? length + " " : "") + "non-negative integers";
        if (value == null) {
            throw fail(file, where + ": missing " + field);
        }
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw fail(file, where + ": " + expected + ", got " + describe(value));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) {
                throw fail(file, where + ": " + expected + ", got " + describe(value));
            }
            out[i] = v;
        }
        return out;
    }

    /** The ranges, sorted, must tile [0, dataLength) exactly, as the reference reader requires. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) throws TorchFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw fail(file, "tensor '" + e.name + "' (bytes [" + e.begin + ", " + e.end + ")) overlaps tensor '"
                        + previous.name + "' (bytes [" + previous.begin + ", " + previous.end + "))");
            }
            if (e.begin > expected) {
                throw fail(file, "bytes [" + expected + ", " + e.begin + ") of the data belong to no tensor"
                        + " (the gap before tensor '" + e.name + "')");
            }
            expected = e.end;
            previous = e;
        }
        if (expected != dataLength) {
            throw fail(file, "the last " + (dataLength - expected) + " bytes of the file belong to no tensor"
                    + " (the data is " + dataLength + " bytes, the tensors end at " + expected + ")");
        }
    }

    private static String describe(Object jsonValue) {
        return switch (jsonValue) {
            case null -> "nothing";
            case String s -> "\"" + s + "\"";
            case Map<?, ?> _ -> "an object";
            default -> String.valueOf(jsonValue);
        };
    }

    private static TorchFormatException fail(Path file, String message) {
        return new TorchFormatException(file + ": " + message);
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position + into.position());
            if (n < 0) {
                throw new EOFException("unexpected end of file");
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer from) throws IOException {
        ByteBuffer b = from.duplicate();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static byte[] utf8(String s) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not valid Unicode (a lone surrogate?): " + s, e);
        }
    }

    // ---- dtypes ----------------------------------------------------------------------------------

    /** The format's name of a dtype. */
    static String dtypeName(DType dtype) {
        return switch (dtype) {
            case FLOAT64 -> "F64";
            case FLOAT32 -> "F32";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case INT16 -> "I16";
            case INT8 -> "I8";
            case UINT8 -> "U8";
            case BOOL -> "BOOL";
        };
    }

    private static DType dtypeOf(String name) {
        return switch (name) {
            case "F64" -> DType.FLOAT64;
            case "F32" -> DType.FLOAT32;
            case "F16" -> DType.FLOAT16;
            case "BF16" -> DType.BFLOAT16;
            case "I64" -> DType.INT64;
            case "I32" -> DType.INT32;
            case "I16" -> DType.INT16;
            case "I8" -> DType.INT8;
            case "U8" -> DType.UINT8;
            case "BOOL" -> DType.BOOL;
            default -> null;
        };
    }

    /**
     * The position of the dtype in the reference implementation's {@code Dtype} enum ("in increasing alignment
     * order": BOOL U8 I8 F8_E5M2 F8_E4M3 I16 U16 F16 BF16 I32 U32 F32 F64 I64 U64), by which its writer sorts.
     */
    private static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case BOOL -> 0;
            case UINT8 -> 1;
            case INT8 -> 2;
            case INT16 -> 5;
            case FLOAT16 -> 7;
            case BFLOAT16 -> 8;
            case INT32 -> 9;
            case FLOAT32 -> 11;
            case FLOAT64 -> 12;
            case INT64 -> 13;
        };
    }
}
