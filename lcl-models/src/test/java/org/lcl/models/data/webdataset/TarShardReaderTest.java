package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarShardReaderTest {

    @TempDir
    Path tmp;

    @Test
    void keyIsThePathUpToTheFirstDotOfTheBaseName() {
        assertArrayEquals(new String[] {"a/b", "c.d"}, TarShardReader.keyAndExtension("a/b.c.d"));
        assertArrayEquals(new String[] {"x.y/z", "jpg"}, TarShardReader.keyAndExtension("x.y/z.jpg"));
        assertArrayEquals(new String[] {"./000", "JPG"}, TarShardReader.keyAndExtension("./000.JPG"));
        assertNull(TarShardReader.keyAndExtension("noext"));
        assertNull(TarShardReader.keyAndExtension(".hidden"));
        // WebDataset's regex lets the key of a hidden file end in the slash: mirrored, not "fixed"
        assertArrayEquals(new String[] {"dir/", "x"}, TarShardReader.keyAndExtension("dir/.x"));
    }

    @Test
    void groupsConsecutiveMembersAndFiltersAsOpenClip() throws Exception {
        byte[] badUtf8 = {(byte) 0xC3, (byte) 0x28};
        Path shard = Tars.create()
                .file("__meta__", "{}")
                .dir("part/")
                .file("part/0001.jpg", Tars.imageBytes("part/0001")).file("part/0001.txt", "one")
                .file("0002.PNG", "png2").file("0002.TXT", "two")
                .file("0003.seg.png", "seg").file("0003.txt", "three")   // seg.png is not an image extension
                .file("0004.jpg", "j4").file("0004.txt", "four").file("0004.json", "{\"k\":4}")
                .file("noext", "ignored")
                .file("0005.jpg", "j5")                                  // no caption
                .file("0006.txt", "six")                                 // no image
                .file("0007.webp", "w7").file("0007.png", "p7").file("0007.txt", "seven")
                .file("0008.jpg", "j8a").file("0008.txt", "eight a")
                .file("0008.jpg", "j8b").file("0008.txt", "eight b")    // repeated extension: a new sample
                .file("0009.jpg", "j9").file("0009.txt", badUtf8)
                .file("0010.jpeg", "j10").file("0010.txt", "ten  with spaces \n")
                .writeTo(tmp.resolve("s.tar"));
        WebDatasetStats stats = new WebDatasetStats();
        List<WdsSample> samples = Tars.readAll(shard, stats);

        assertEquals(List.of("part/0001", "0002", "0004", "0007", "0008", "0008", "0010"),
                samples.stream().map(WdsSample::key).toList());
        assertEquals("one", samples.get(0).caption());
        assertArrayEquals(Tars.imageBytes("part/0001"), samples.get(0).image());
        assertEquals("png", samples.get(1).imageExt());
        assertEquals("two", samples.get(1).caption());
        assertEquals("{\"k\":4}", new String(samples.get(2).extras().get("json"), StandardCharsets.UTF_8));
        assertEquals("png", samples.get(3).imageExt()); // jpg;png;jpeg;webp: png wins over webp
        assertEquals("w7", new String(samples.get(3).extras().get("webp"), StandardCharsets.UTF_8));
        assertEquals("eight a", samples.get(4).caption());
        assertEquals("eight b", samples.get(5).caption());
        assertEquals("jpeg", samples.get(6).imageExt());
        assertEquals("ten  with spaces \n", samples.get(6).caption()); // raw text: the tokenizer cleans it

        WebDatasetStats.Snapshot s = stats.snapshot();
        assertEquals(2, s.skipped(SkipReason.MISSING_IMAGE)); // 0003, 0006
        assertEquals(1, s.skipped(SkipReason.MISSING_TEXT));  // 0005
        assertEquals(1, s.skipped(SkipReason.BAD_CAPTION));   // 0009
        assertEquals(7, s.samplesYielded());
        assertEquals(11, s.samplesRead());
        assertEquals(1, s.shardsOpened());
        assertEquals(1, s.shardsCompleted());
        assertEquals(0, s.shardsFailed());
    }

    @Test
    void readsArchivesWrittenByGnuTarWithLongNames() throws Exception {
        Path src = tmp.resolve("src");
        String longDir = "d".repeat(60) + "/" + "e".repeat(60); // > 100 characters: needs GNU or PAX long names
        Files.createDirectories(src.resolve(longDir));
        Files.writeString(src.resolve(longDir + "/000001.jpg"), "jpeg bytes");
        Files.writeString(src.resolve(longDir + "/000001.txt"), "a caption");
        Files.writeString(src.resolve(longDir + "/000001.json"), "{}");
        for (String format : List.of("gnu", "pax")) {
            Path out = tmp.resolve(format + ".tar");
            Process p;
            try {
                // members in the order given, as webdataset writers store them
                p = new ProcessBuilder("tar", "--format=" + format, "-cf", out.toString(), "-C", src.toString(),
                        longDir + "/000001.jpg", longDir + "/000001.txt", longDir + "/000001.json")
                        .redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                String why = "skipped: no tar command (" + e.getMessage() + ")";
                System.out.println(why);
                org.junit.jupiter.api.Assumptions.abort(why);
                return;
            }
            assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
            WebDatasetStats stats = new WebDatasetStats();
            List<WdsSample> got = Tars.readAll(out, stats);
            assertEquals(1, got.size(), format);
            assertEquals(longDir + "/000001", got.get(0).key());
            assertEquals("a caption", got.get(0).caption());
            assertEquals("jpeg bytes", new String(got.get(0).image(), StandardCharsets.UTF_8));
            assertEquals(1, stats.snapshot().shardsCompleted(), format);
        }
    }

    @Test
    void gzipCompressedShardsAreRead() throws Exception {
        Tars t = Tars.create().sample("a", "cap a").sample("b", "cap b");
        Path gz = t.writeGzipTo(tmp.resolve("s.tar.gz"));
        List<WdsSample> samples = Tars.readAll(gz, new WebDatasetStats());
        assertEquals(List.of("a", "b"), samples.stream().map(WdsSample::key).toList());
    }

    @Test
    void truncatedTarKeepsTheSamplesBeforeTheCutAtEveryCutPoint() throws Exception {
        Random random = new Random(5);
        Tars t = Tars.create();
        int membersEnd = 0;
        for (int i = 0; i < 10; i++) {
            byte[] image = new byte[700 + 37 * i];
            random.nextBytes(image);
            String caption = "caption " + i;
            t.file(String.format("%03d.jpg", i), image).file(String.format("%03d.txt", i), caption);
            membersEnd += 512 + roundUp(image.length) + 512 + roundUp(caption.length());
        }
        byte[] full = t.bytes();
        List<WdsSample> reference = Tars.readAll(Files.write(tmp.resolve("full.tar"), full), new WebDatasetStats());
        assertEquals(10, reference.size());

        for (int cut = 0; cut <= full.length; cut += cut < membersEnd + 1024 ? 113 : 512) {
            Path p = Files.write(tmp.resolve("cut.tar"), Arrays.copyOf(full, cut));
            WebDatasetStats stats = new WebDatasetStats();
            List<WdsSample> got = Tars.readAll(p, stats); // never throws
            for (int i = 0; i < got.size(); i++) {
                assertEquals(reference.get(i).key(), got.get(i).key(), "cut " + cut);
                assertArrayEquals(reference.get(i).image(), got.get(i).image(), "cut " + cut);
                assertEquals(reference.get(i).caption(), got.get(i).caption(), "cut " + cut);
            }
            WebDatasetStats.Snapshot s = stats.snapshot();
            if (cut < membersEnd + 512) {
                // anything short of the first end-of-archive record is a damaged shard, header cuts included
                assertEquals(1, s.shardsFailed(), "cut " + cut);
                assertEquals(0, s.shardsCompleted(), "cut " + cut);
                // all ten only once the last caption's bytes are in
                assertTrue(got.size() < 10 || cut >= membersEnd - 512 + "caption 9".length(), "cut " + cut);
            } else {
                assertEquals(1, s.shardsCompleted(), "cut " + cut);
                assertEquals(10, got.size(), "cut " + cut);
            }
        }
    }

    private static int roundUp(int n) {
        return (n + 511) / 512 * 512;
    }

    @Test
    void cutInsideAMemberEndsTheShardWithAWarningAndCounts() throws Exception {
        Tars t = Tars.create();
        for (int i = 0; i < 10; i++) {
            t.file(String.format("%03d.jpg", i), new byte[1024]).file(String.format("%03d.txt", i), "caption " + i);
        }
        byte[] full = t.bytes();
        // each sample: jpg header 512 + data 1024, txt header 512 + data padded to 512 = 2560 bytes.
        // Cut 5 bytes into sample 6's caption data: samples 0..5 are complete, 6 lost its caption.
        int cut = 6 * 2560 + 512 + 1024 + 512 + 5;
        Path p = Files.write(tmp.resolve("cut.tar"), Arrays.copyOf(full, cut));
        WebDatasetStats stats = new WebDatasetStats();
        List<WdsSample> got = Tars.readAll(p, stats);
        assertEquals(6, got.size());
        WebDatasetStats.Snapshot s = stats.snapshot();
        assertEquals(1, s.shardsFailed());
        assertEquals(0, s.shardsCompleted());
        assertEquals(1, s.skipped(SkipReason.TRUNCATED));
    }

    @Test
    void garbageAndMissingFilesAreSkippedNotThrown() throws Exception {
        byte[] garbage = new byte[10_000];
        new Random(1).nextBytes(garbage);
        Path g = Files.write(tmp.resolve("garbage.tar"), garbage);
        WebDatasetStats stats = new WebDatasetStats();
        assertEquals(0, Tars.readAll(g, stats).size());
        assertEquals(1, stats.snapshot().shardsFailed());

        assertEquals(0, Tars.readAll(tmp.resolve("gone.tar"), stats).size());
        assertEquals(2, stats.snapshot().shardsFailed());

        // a corrupt gzip stream: valid header, then garbage
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        bos.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
        bos.write(garbage, 0, 500);
        Path gz = Files.write(tmp.resolve("bad.tar.gz"), bos.toByteArray());
        assertEquals(0, Tars.readAll(gz, stats).size());
        assertEquals(3, stats.snapshot().shardsFailed());
    }

    @Test
    void corruptMemberInTheMiddleEndsTheShardAfterTheGoodSamples() throws Exception {
        Tars t = Tars.create();
        for (int i = 0; i < 6; i++) {
            t.file(String.format("%03d.jpg", i), new byte[1024]).file(String.format("%03d.txt", i), "c" + i);
        }
        byte[] bytes = t.bytes();
        // overwrite the header of sample 3's jpg (offset 3 * 2560) with junk: its checksum fails
        Arrays.fill(bytes, 3 * 2560 + 100, 3 * 2560 + 160, (byte) 'x');
        Path p = Files.write(tmp.resolve("corrupt.tar"), bytes);
        WebDatasetStats stats = new WebDatasetStats();
        List<WdsSample> got = Tars.readAll(p, stats);
        assertEquals(List.of("000", "001", "002"), got.stream().map(WdsSample::key).toList());
        assertEquals(1, stats.snapshot().shardsFailed());
    }

    @Test
    void oversizeMembersAreSkipped() throws Exception {
        Path p = Tars.create().file("a.jpg", new byte[5000]).file("a.txt", "big").sample("b", "small")
                .writeTo(tmp.resolve("s.tar"));
        WebDatasetStats stats = new WebDatasetStats();
        List<WdsSample> got = new java.util.ArrayList<>();
        try (TarShardReader r = new TarShardReader(p, stats, 1000)) {
            r.forEachRemaining(got::add);
        }
        assertEquals(List.of("b"), got.stream().map(WdsSample::key).toList());
        assertEquals(1, stats.snapshot().skipped(SkipReason.OVERSIZE));
        assertEquals(1, stats.snapshot().shardsCompleted());
    }
}
