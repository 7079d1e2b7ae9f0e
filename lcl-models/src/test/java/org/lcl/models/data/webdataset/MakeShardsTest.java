package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MakeShardsTest {

    /** Debian's tuxpaint-stamps-default (scripts/test installs it). */
    static final Path TUXPAINT = Path.of("/usr/share/tuxpaint/stamps");

    private static final Pattern SOURCE = Pattern.compile("\\{\"source\": \"(.*)\"}");

    @TempDir
    Path tmp;

    @Test
    void smallFolderRoundTrip() throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in.resolve("sub"));
        Files.write(in.resolve("a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Files.writeString(in.resolve("a.txt"), "\uFEFF  A red apple. \nde.utf8=Ein roter Apfel.\n");
        Files.write(in.resolve("b.jpg"), new byte[] {1}); // no caption
        Files.write(in.resolve("c.webp"), new byte[] {2});
        Files.writeString(in.resolve("c.txt"), "\n"); // empty caption
        Files.write(in.resolve("sub/d.JPG"), new byte[] {(byte) 0xff, (byte) 0xd8, 9});
        Files.writeString(in.resolve("sub/d.txt"), "A dog");
        Files.writeString(in.resolve("notes.txt"), "not a caption of anything");

        Path out = tmp.resolve("out");
        MakeShards.Result r = MakeShards.run(new MakeShards.Options(in, out, 1, "txt", "shard-"), m -> { });
        assertEquals(2, r.samples());
        assertEquals(1, r.imagesWithoutCaption());
        assertEquals(1, r.emptyCaptions());
        assertEquals(List.of(out.resolve("shard-000000.tar"), out.resolve("shard-000001.tar")), r.shards());
        assertEquals(out.resolve("shard-{000000..000001}.tar").toString(), r.pattern());
        assertEquals(Map.of("shard-000000.tar", 1L, "shard-000001.tar", 1L), DatasetSize.readSizes(out.resolve("sizes.json")));

        WebDataset ds = WebDataset.open(WebDatasetConfig.builder(r.pattern()).workers(1).batchSize(1).build());
        assertEquals(2, ds.plan().requestedSamples());
        List<WdsSample> samples = new ArrayList<>();
        try (ShardSamples all = ds.readAllInOrder()) {
            all.forEachRemaining(samples::add);
        }
        assertEquals(List.of("000000000", "000000001"), samples.stream().map(WdsSample::key).toList());
        assertEquals("A red apple.", samples.get(0).caption());
        assertEquals("png", samples.get(0).imageExt());
        assertArrayEquals(Files.readAllBytes(in.resolve("a.png")), samples.get(0).image());
        assertEquals("A dog", samples.get(1).caption());
        assertEquals("jpg", samples.get(1).imageExt());
        assertEquals("{\"source\": \"sub/d.JPG\"}", new String(samples.get(1).extras().get("json"), StandardCharsets.UTF_8));

        // reproducible bytes
        Path out2 = tmp.resolve("out2");
        MakeShards.run(new MakeShards.Options(in, out2, 1, "txt", "shard-"), m -> { });
        assertArrayEquals(Files.readAllBytes(out.resolve("shard-000000.tar")), Files.readAllBytes(out2.resolve("shard-000000.tar")));

        // refuses to write over shards
        var e = assertThrows(WebDatasetException.class,
                () -> MakeShards.run(new MakeShards.Options(in, out, 1, "txt", "shard-"), m -> { }));
        assertTrue(e.getMessage().contains("sizes.json"), e.getMessage());
        // clear errors for a missing input and a folder without pairs
        assertThrows(WebDatasetException.class,
                () -> MakeShards.run(MakeShards.Options.of(tmp.resolve("nope"), tmp.resolve("o3")), m -> { }));
        var none = assertThrows(WebDatasetException.class,
                () -> MakeShards.run(MakeShards.Options.of(in.resolve("sub"), tmp.resolve("o4")).withCaptionExt("caption"), m -> { }));
        assertTrue(none.getMessage().contains("no image + caption pairs"), none.getMessage());
        assertTrue(Files.notExists(tmp.resolve("o4").resolve("sizes.json")));
    }

    @Test
    void tuxPaintStampsRoundTrip() throws Exception {
        if (!Files.isDirectory(TUXPAINT)) {
            String why = "skipped: " + TUXPAINT + " is missing (apt-get install tuxpaint-stamps-default; scripts/test installs it)";
            System.out.println(why);
            Assumptions.abort(why);
        }
        // the pairs, counted independently: NAME.png with a NAME.txt whose first line is not blank
        Map<String, String> expected = new HashMap<>();
        try (Stream<Path> files = Files.walk(TUXPAINT)) {
            for (Path png : files.filter(p -> p.toString().endsWith(".png")).toList()) {
                String n = png.getFileName().toString();
                Path txt = png.resolveSibling(n.substring(0, n.length() - 4) + ".txt");
                if (Files.isRegularFile(txt)) {
                    String first = Files.readAllLines(txt, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
                    if (!first.isEmpty()) {
                        expected.put(TUXPAINT.relativize(png).toString(), first);
                    }
                }
            }
        }
        assertTrue(expected.size() > 500, "tuxpaint stamps found: " + expected.size());

        Path out = tmp.resolve("shards");
        MakeShards.Result r = MakeShards.run(new MakeShards.Options(TUXPAINT, out, 100, "txt", "shard-"), m -> { });
        assertEquals(expected.size(), r.samples());
        assertEquals((expected.size() + 99) / 100, r.shards().size());
        long listed = DatasetSize.readSizes(out.resolve("sizes.json")).values().stream().mapToLong(Long::longValue).sum();
        assertEquals(expected.size(), listed);

        WebDataset ds = WebDataset.open(WebDatasetConfig.builder(r.pattern()).batchSize(32).workers(2).build());
        assertEquals(expected.size(), ds.plan().requestedSamples());
        assertEquals("sizes.json", ds.plan().sizeSource());
        int n = 0;
        try (ShardSamples all = ds.readAllInOrder()) {
            while (all.hasNext()) {
                WdsSample s = all.next();
                Matcher m = SOURCE.matcher(new String(s.extras().get("json"), StandardCharsets.UTF_8));
                assertTrue(m.matches());
                String source = m.group(1);
                assertEquals(expected.get(source), s.caption(), source);
                assertEquals("png", s.imageExt());
                assertArrayEquals(Files.readAllBytes(TUXPAINT.resolve(source)), s.image(), source);
                n++;
            }
        }
        assertEquals(expected.size(), n);
        assertEquals("A frog.", expected.get("animals/amphibians/frog.png"));
        assertEquals(0, ds.stats().snapshot().skippedTotal());
        assertEquals(0, ds.stats().snapshot().shardsFailed());

        // the training streams of one epoch read every stamp once
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int w = 0; w < ds.plan().numWorkers(); w++) {
            try (WorkerStream s = ds.stream(0, 0, w)) {
                long inMine = s.shards().stream().mapToLong(sh -> DatasetSize.readSizes(out.resolve("sizes.json")).get(sh.name())).sum();
                for (long i = 0; i < inMine; i++) {
                    assertTrue(seen.add(s.next().key()));
                }
            }
        }
        assertEquals(expected.size(), seen.size());
    }
}
