package org.lcl.torch.serialization;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the uncompressed zip archives that torch.save writes (zip64 included). Our own reader rather than
 * java.util.zip because storages are memory-mapped straight from their offset in the file, which ZipFile does not
 * expose: a multi-GB checkpoint then costs no heap. Every offset and size is checked against the file's length
 * before use. Entry CRCs are not verified: newer torch can be told to write none.
 */
final class TorchZipReader implements Closeable {

    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_CENTRAL_DIR = 0x06054b50;
    private static final int ZIP64_END = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int EOCD_SIZE = 22;
    private static final long U32_MAX = 0xFFFFFFFFL;

    private record Entry(String name, int flags, int method, long compressedSize, long size, long headerOffset) {
    }

    private final FileChannel channel;
    private final long fileSize;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long centralDirOffset;

    private TorchZipReader(FileChannel channel) throws IOException {
        this.channel = channel;
        this.fileSize = channel.size();
    }

    /** Opens {@code file} and reads its central directory; format errors carry no path, the caller adds it. */
    static TorchZipReader open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            TorchZipReader zip = new TorchZipReader(channel);
            zip.readCentralDirectory();
            return zip;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Entry names in archive order. */
    List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The whole entry, copied onto the heap. */
    byte[] read(String name) throws IOException {
        Entry e = entry(name);
        if (e.size > Integer.MAX_VALUE - 8) {
            throw new TorchFormatException("entry " + name + " of " + e.size + " bytes is too large to read");
        }
        ByteBuffer b = readAt(dataStart(e), (int) e.size);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The first {@code bytes} bytes of an entry, memory-mapped read-only and little-endian. */
    ByteBuffer map(String name, long bytes) throws IOException {
        Entry e = entry(name);
        if (bytes > e.size) {
            throw new TorchFormatException("entry " + name + " holds " + e.size + " bytes, " + bytes + " needed");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart(e), bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private Entry entry(String name) throws TorchFormatException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new TorchFormatException("archive has no entry " + name);
        }
        if ((e.flags & 1) != 0 || e.method != 0 || e.compressedSize != e.size) {
            throw new TorchFormatException("entry " + name + " is encrypted or compressed (method " + e.method
                    + "); torch checkpoints store entries uncompressed");
        }
        return e;
    }

    /** Where an entry's bytes begin: after its local header, whose name and extra field lengths may differ. */
    private long dataStart(Entry e) throws IOException {
        ByteBuffer h = readAt(e.headerOffset, 30);
        if (h.getInt(0) != LOCAL_HEADER) {
            throw new TorchFormatException("entry " + e.name + " has no local header at offset " + e.headerOffset);
        }
        long start = e.headerOffset + 30 + Short.toUnsignedInt(h.getShort(26)) + Short.toUnsignedInt(h.getShort(28));
        if (start + e.size > centralDirOffset) {
            throw new TorchFormatException("entry " + e.name + " (" + e.size + " bytes at offset " + start
                    + ") runs into the central directory at " + centralDirOffset);
        }
        return start;
    }

    private void readCentralDirectory() throws IOException {
        ByteBuffer magic = readAt(0, (int) Math.min(4, fileSize));
        if (magic.remaining() >= 2 && (magic.get(0) & 0xFF) == 0x80 && (magic.get(1) & 0xFF) <= 5) {
            throw new TorchFormatException("this is a pickle, i.e. torch's legacy (pre-1.6) checkpoint format, "
                    + "which is not supported: re-save it with torch.save from PyTorch 1.6 or newer");
        }
        if (magic.remaining() < 4 || magic.getInt(0) != LOCAL_HEADER) {
            throw new TorchFormatException("not a zip archive (no zip signature at the start)");
        }
        int tailLength = (int) Math.min(fileSize, EOCD_SIZE + 0xFFFF);
        long tailStart = fileSize - tailLength;
        ByteBuffer tail = readAt(tailStart, tailLength);
        int at = tailLength - EOCD_SIZE;
        while (at >= 0 && !(tail.getInt(at) == END_OF_CENTRAL_DIR
                && at + EOCD_SIZE + Short.toUnsignedInt(tail.getShort(at + 20)) == tailLength)) {
            at--;
        }
        if (at < 0) {
            throw new TorchFormatException("truncated or corrupt zip archive: no end-of-central-directory record");
        }
        long eocd = tailStart + at;
        long count = Short.toUnsignedInt(tail.getShort(at + 10));
        long cdSize = Integer.toUnsignedLong(tail.getInt(at + 12));
        long cdOffset = Integer.toUnsignedLong(tail.getInt(at + 16));
        long cdLimit = eocd;
        if (eocd >= 20 && readAt(eocd - 20, 4).getInt(0) == ZIP64_LOCATOR) {
            long z = readAt(eocd - 20, 20).getLong(8);
            if (z < 0 || z > eocd - 20 - 56) {
                throw new TorchFormatException("corrupt zip64 locator: record offset " + z);
            }
            ByteBuffer z64 = readAt(z, 56);
            if (z64.getInt(0) != ZIP64_END) {
                throw new TorchFormatException("corrupt zip archive: no zip64 end record at offset " + z);
            }
            count = z64.getLong(32);
            cdSize = z64.getLong(40);
            cdOffset = z64.getLong(48);
            cdLimit = z;
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset
                || cdSize > Integer.MAX_VALUE - 8 || count < 0 || count > cdSize / 46) {
            throw new TorchFormatException("truncated or corrupt zip archive: central directory of " + count
                    + " entries, " + cdSize + " bytes at offset " + cdOffset + " does not fit in the file");
        }
        centralDirOffset = cdOffset;
        parseEntries(readAt(cdOffset, (int) cdSize), count);
    }

    private void parseEntries(ByteBuffer cd, long count) throws TorchFormatException {
        try {
            int p = 0;
            for (long i = 0; i < count; i++) {
                if (cd.getInt(p) != CENTRAL_HEADER) {
                    throw new TorchFormatException("corrupt zip central directory at entry " + i);
                }
                int nameLength = Short.toUnsignedInt(cd.getShort(p + 28));
                int extraLength = Short.toUnsignedInt(cd.getShort(p + 30));
                int commentLength = Short.toUnsignedInt(cd.getShort(p + 32));
                byte[] nameBytes = new byte[nameLength];
                cd.get(p + 46, nameBytes);
                String name = new String(nameBytes, StandardCharsets.UTF_8);
                long[] sizes = {
                    Integer.toUnsignedLong(cd.getInt(p + 24)),
                    Integer.toUnsignedLong(cd.getInt(p + 20)),
                    Integer.toUnsignedLong(cd.getInt(p + 42))
                };
                readZip64Extra(cd.slice(p + 46 + nameLength, extraLength).order(ByteOrder.LITTLE_ENDIAN), sizes);
                Entry e = new Entry(name, Short.toUnsignedInt(cd.getShort(p + 8)),
                        Short.toUnsignedInt(cd.getShort(p + 10)), sizes[1], sizes[0], sizes[2]);
                if (e.size < 0 || e.compressedSize < 0 || e.headerOffset < 0
                        || e.compressedSize > centralDirOffset - 30 - e.headerOffset) {
                    throw new TorchFormatException("corrupt zip entry " + name + ": " + e.compressedSize
                            + " bytes at offset " + e.headerOffset + " do not fit before the central directory");
                }
                if (entries.putIfAbsent(name, e) != null) {
                    throw new TorchFormatException("zip archive has two entries named " + name);
                }
                p += 46 + nameLength + extraLength + commentLength;
            }
        } catch (IndexOutOfBoundsException e) {
            throw new TorchFormatException("truncated zip central directory", e);
        }
    }

    /** The zip64 extra field holds, in order, those of size, compressed size and offset whose 32-bit field is full. */
    private static void readZip64Extra(ByteBuffer extra, long[] sizes) {
        while (extra.remaining() >= 4) {
            int id = Short.toUnsignedInt(extra.getShort());
            int length = Short.toUnsignedInt(extra.getShort());
            ByteBuffer field = extra.slice(extra.position(), Math.min(length, extra.remaining()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            extra.position(extra.position() + field.remaining());
            if (id == 1) {
                for (int i = 0; i < sizes.length; i++) {
                    if (sizes[i] == U32_MAX && field.remaining() >= 8) {
                        sizes[i] = field.getLong();
                    }
                }
            }
        }
    }

    private ByteBuffer readAt(long position, int length) throws IOException {
        if (position < 0 || length > fileSize - position) {
            throw new TorchFormatException("truncated file: " + length + " bytes needed at offset " + position
                    + " of a " + fileSize + "-byte file");
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (channel.read(b, position + b.position()) < 0) {
                throw new TorchFormatException("file ended while reading offset " + (position + b.position()));
            }
        }
        return b.flip();
    }
}
