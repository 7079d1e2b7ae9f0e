package org.lcl.torch.serialization;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive the way torch.save does: entries stored uncompressed, each entry's data starting at a
 * multiple of 64 bytes (padding in an 'FB' extra field, as torch pads) so that readers can map storages aligned.
 * Switches to zip64 records when offsets or the entry count outgrow the classic fields; entries themselves are
 * ByteBuffers, so each is below 2 GiB. Timestamps are fixed so that equal trees give identical files.
 */
final class TorchZipWriter {

    private static final int ALIGNMENT = 64;
    private static final long U32_MAX = 0xFFFFFFFFL;
    private static final short DOS_DATE_1980_01_01 = (1 << 5) | 1;
    /** General purpose flag bit 11: names are UTF-8, as torch marks them. */
    private static final short UTF8_NAMES = 0x800;

    private record Written(byte[] name, int crc, long size, long offset) {
    }

    private final FileChannel out;
    private final boolean forceZip64;
    private final List<Written> written = new ArrayList<>();
    private long position;

    /** {@code forceZip64} writes zip64 records even for small archives, so that tests can cover them. */
    TorchZipWriter(FileChannel out, boolean forceZip64) {
        this.out = out;
        this.forceZip64 = forceZip64;
    }

    /** Appends an entry holding bytes {@code [0, limit())} of {@code data}. */
    void add(String name, ByteBuffer data) throws IOException {
        ByteBuffer content = data.duplicate().clear().limit(data.limit());
        CRC32 crc = new CRC32();
        crc.update(content.duplicate());
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int padding = Math.floorMod(-(position + 30 + nameBytes.length + 4), ALIGNMENT);
        ByteBuffer h = ByteBuffer.allocate(30 + nameBytes.length + 4 + padding).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort(UTF8_NAMES).putShort((short) 0)
                .putShort((short) 0).putShort(DOS_DATE_1980_01_01).putInt((int) crc.getValue())
                .putInt(content.remaining()).putInt(content.remaining())
                .putShort((short) nameBytes.length).putShort((short) (4 + padding))
                .put(nameBytes).putShort((short) 0x4246).putShort((short) padding); // 'F','B'
        while (h.hasRemaining()) {
            h.put((byte) 'Z');
        }
        written.add(new Written(nameBytes, (int) crc.getValue(), content.remaining(), position));
        write(h.flip());
        write(content);
    }

    /** Writes the central directory and end records; the archive is complete after this. */
    void finish() throws IOException {
        long cdOffset = position;
        for (Written w : written) {
            // All three fields move to the zip64 extra, not only the offset: miniz (torch's reader) checks the
            // 32-bit offset field against the file size unless the size fields are marked as moved too.
            boolean zip64 = forceZip64 || w.offset >= U32_MAX;
            int sizeField = (int) (zip64 ? U32_MAX : w.size);
            ByteBuffer c = ByteBuffer.allocate(46 + w.name.length + (zip64 ? 28 : 0)).order(ByteOrder.LITTLE_ENDIAN);
            c.putInt(0x02014b50).putShort((short) 45).putShort((short) (zip64 ? 45 : 20))
                    .putShort(UTF8_NAMES).putShort((short) 0).putShort((short) 0)
                    .putShort(DOS_DATE_1980_01_01).putInt(w.crc).putInt(sizeField).putInt(sizeField)
                    .putShort((short) w.name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) (zip64 ? U32_MAX : w.offset))
                    .put(w.name);
            if (zip64) {
                c.putShort((short) 1).putShort((short) 24).putLong(w.size).putLong(w.size).putLong(w.offset);
            }
            write(c.flip());
        }
        long cdSize = position - cdOffset;
        long count = written.size();
        boolean zip64 = forceZip64 || count >= 0xFFFF || cdOffset >= U32_MAX || cdSize >= U32_MAX;
        ByteBuffer end = ByteBuffer.allocate((zip64 ? 56 + 20 : 0) + 22).order(ByteOrder.LITTLE_ENDIAN);
        if (zip64) {
            long recordOffset = position;
            end.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(count).putLong(count).putLong(cdSize).putLong(cdOffset);
            end.putInt(0x07064b50).putInt(0).putLong(recordOffset).putInt(1);
        }
        short count16 = (short) (zip64 ? 0xFFFF : count);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort(count16).putShort(count16)
                .putInt((int) (zip64 ? U32_MAX : cdSize)).putInt((int) (zip64 ? U32_MAX : cdOffset))
                .putShort((short) 0);
        write(end.flip());
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            position += out.write(b);
        }
    }
}
