package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken, hostile and foreign files: each must fail with an IOException whose message names the file. */
class TorchFormatErrorTest {

    @TempDir
    Path dir;

    private static IOException assertFailsNaming(Path file, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> TorchLoad.load(file));
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message mentions '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void everyTruncationFails() throws Exception {
        Path cut = dir.resolve("cut.pt");
        TorchSave.save(Fixtures.stateDict(), cut);
        // Shortening one file in place: rewriting thousands of files is slow on some file systems.
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            for (long length = ch.size() - 1; length >= 0; length--) {
                ch.truncate(length);
                assertFailsNaming(cut);
            }
        }
    }

    @Test
    void randomBytesFail() throws Exception {
        Random random = new Random(42);
        Path file = dir.resolve("random.pt");
        for (int i = 0; i < 50; i++) {
            byte[] bytes = new byte[random.nextInt(1, 5000)];
            random.nextBytes(bytes);
            if (i % 2 == 0) {
                bytes[0] = 'P'; // half of them look like a zip at first glance
                bytes[1] = 'K';
                bytes[2] = 3;
                bytes[3] = 4;
            }
            Files.write(file, bytes);
            assertFailsNaming(file);
        }
    }

    @Test
    void emptyFileFails() throws Exception {
        Path file = Files.createFile(dir.resolve("empty.pt"));
        assertFailsNaming(file, "not a zip");
    }

    @Test
    void zipWithoutDataPklFails() throws Exception {
        Path file = dir.resolve("nodata.pt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        assertFailsNaming(file, "data.pkl");
    }

    @Test
    void compressedEntryFails() throws Exception {
        Path file = dir.resolve("deflated.pt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, 'N', '.'});
            zip.closeEntry();
        }
        assertFailsNaming(file, "compressed");
    }

    @Test
    void legacyFormatIsNamed() throws Exception {
        Path file = dir.resolve("legacy.pt");
        Files.write(file, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc});
        assertFailsNaming(file, "legacy");
    }

    @Test
    void unknownGlobalIsNamed() throws Exception {
        Path file = withPickle("os.pt", pickle("\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R."), null);
        assertFailsNaming(file, "os.system");
    }

    @Test
    void hostileStringLengthFailsWithoutAllocating() throws Exception {
        Path file = withPickle("strlen.pt", pickle("\u0080\u0002X\u00f0\u00ff\u00ff\u007f."), null);
        assertFailsNaming(file, "length");
    }

    @Test
    void hostileStorageSizeFails() throws Exception {
        Path file = withPickle("numel.pt", tensorPickle(1L << 40, 0), new byte[4]);
        assertFailsNaming(file, "storage 0");
    }

    @Test
    void storageShorterThanItsRecordSaysFails() throws Exception {
        Path file = withPickle("short.pt", tensorPickle(2, 0), new byte[4]);
        assertFailsNaming(file, "data/0");
    }

    @Test
    void viewOutsideItsStorageFails() throws Exception {
        Path file = withPickle("offset.pt", tensorPickle(1, 5), new byte[4]);
        assertFailsNaming(file, "exceeds its storage");
    }

    @Test
    void hostileCentralDirectorySizeFails() throws Exception {
        Path file = dir.resolve("size.pt");
        TorchSave.save(Fixtures.stateDict(), file);
        byte[] bytes = Files.readAllBytes(file);
        int cd = lastIndexOf(bytes, new byte[] {'P', 'K', 1, 2});
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(cd + 20, 0x7FFFFFF0).putInt(cd + 24, 0x7FFFFFF0);
        Files.write(file, bytes);
        assertFailsNaming(file);
    }

    /** A 0-dim float32 tensor at {@code offset} in storage "0", which claims {@code numel} elements. */
    private static byte[] tensorPickle(long numel, long offset) {
        PickleWriter p = new PickleWriter();
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.mark();
        p.mark();
        p.string("storage");
        p.global("torch", "FloatStorage");
        p.string("0");
        p.string("cpu");
        p.integer(numel);
        p.tupleFromMark();
        p.persistentId();
        p.integer(offset);
        p.smallTuple(0);
        p.smallTuple(0);
        p.bool(false);
        p.global("collections", "OrderedDict");
        p.smallTuple(0);
        p.reduce();
        p.tupleFromMark();
        p.reduce();
        return p.finish();
    }

    /** A torch-style archive whose data.pkl is {@code pickle}, with {@code storage0} as record data/0 unless null. */
    private Path withPickle(String name, byte[] pickle, byte[] storage0) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            TorchZipWriter zip = new TorchZipWriter(ch, false);
            zip.add("archive/data.pkl", ByteBuffer.wrap(pickle));
            if (storage0 != null) {
                zip.add("archive/data/0", ByteBuffer.wrap(storage0));
            }
            zip.add("archive/version", ByteBuffer.wrap("3\n".getBytes(StandardCharsets.US_ASCII)));
            zip.finish();
        }
        return file;
    }

    /** Pickle bytes written as a string of chars U+0000..U+00FF, one per byte. */
    private static byte[] pickle(String chars) {
        return chars.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("pattern not found");
    }
}
