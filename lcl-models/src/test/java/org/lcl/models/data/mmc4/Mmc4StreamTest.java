package org.lcl.models.data.mmc4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;

class Mmc4StreamTest {

    static final Tokenizer TOK = Tokenizers.create("gpt2", null);

    @TempDir
    Path root;

    Mmc4Config config() {
        return Mmc4Config.defaults(root, 42).withContextLength(128).withNumImageTokens(4).withShuffleBuffer(1);
    }

    static String good(String name) {
        return Docs.line(List.of("Sentence about " + name + ".", "Another one."), new Docs.Img(name, 0, 0.5));
    }

    @Test
    void shardNamingVariantsDiscoveredSortedAndRead() throws Exception {
        Docs.images(root, "a.png", "b.png", "c.png");
        Docs.zipShard(root, "docs_shard_3_v2.jsonl.zip", "docs_shard_3_v2.jsonl", List.of(good("c.png")));
        Docs.zipShard(root, "docs_no_face_shard_1_v3.jsonl.zip", "docs_no_face_shard_1_v3.jsonl", List.of(good("a.png")));
        Docs.plainShard(root, "docs_shard_2_v2.jsonl", List.of(good("b.png")));
        Docs.plainShard(root, "readme.txt", List.of("not a shard"));
        List<Mmc4Shard> shards = Mmc4Shards.discover(root);
        assertEquals(List.of(1, 2, 3), shards.stream().map(Mmc4Shard::index).toList());
        assertEquals(List.of(true, false, true), shards.stream().map(Mmc4Shard::zip).toList());
        Mmc4Stats stats = new Mmc4Stats();
        List<String> urls = new ArrayList<>();
        for (Mmc4Shard s : shards) {
            try (Mmc4DocumentReader r = new Mmc4DocumentReader(s, stats)) {
                r.forEachRemaining(d -> urls.add(d.images().get(0).imageName()));
            }
        }
        assertEquals(List.of("a.png", "b.png", "c.png"), urls);
        assertEquals(3, stats.snapshot().shardsCompleted());
        assertEquals(-1, Mmc4Shards.index("docs_shard_x_v2.jsonl.zip"));
        assertEquals(23098, Mmc4Shards.index("docs_no_face_shard_23098_v2.jsonl.zip"));
    }

    @Test
    void duplicateIndexIsAnError() throws Exception {
        Docs.plainShard(root, "docs_shard_1_v2.jsonl", List.of(good("a.png")));
        Docs.zipShard(root, "docs_shard_1_v2.jsonl.zip", "docs_shard_1_v2.jsonl", List.of(good("a.png")));
        Mmc4Exception e = assertThrows(Mmc4Exception.class, () -> Mmc4Shards.discover(root));
        assertTrue(e.getMessage().contains("index 1"), e.getMessage());
    }

    @Test
    void rankTakesIndexModuloWorld() throws Exception {
        for (int i = 0; i < 7; i++) {
            Docs.plainShard(root, "docs_shard_" + i + "_v2.jsonl", List.of(good("a.png")));
        }
        List<Mmc4Shard> all = Mmc4Shards.discover(root);
        assertEquals(List.of(1, 4), Mmc4Shards.forRank(all, 1, 3).stream().map(Mmc4Shard::index).toList());
        assertEquals(List.of(0, 3, 6), Mmc4Shards.forRank(all, 0, 3).stream().map(Mmc4Shard::index).toList());
        // worker split inside the rank
        Mmc4Stream w1 = new Mmc4Stream(config(), TOK, new Mmc4Stats(), 0, 3, 1, 2, 0);
        assertEquals(List.of(3), w1.shards().stream().map(Mmc4Shard::index).toList());
        Mmc4Stream all1 = new Mmc4Stream(config().withGlobalDistributed(false), TOK, new Mmc4Stats(), 0, 3, 0, 1, 0);
        assertEquals(7, all1.shards().size());
    }

    @Test
    void missingOrEmptyDataFolderIsAClearError() throws Exception {
        Mmc4Exception e = assertThrows(Mmc4Exception.class, () -> Mmc4Shards.discover(root));
        assertTrue(e.getMessage().contains(root.resolve("data").toAbsolutePath().toString()), e.getMessage());
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/other.zip"), "x");
        e = assertThrows(Mmc4Exception.class, () -> new Mmc4Stream(config(), TOK, new Mmc4Stats(), 0, 1, 0, 1, 0));
        assertTrue(e.getMessage().contains("no MMC4 shard in " + root.resolve("data").toAbsolutePath()), e.getMessage());
    }

    @Test
    void malformedLineSkippedAndCounted() throws Exception {
        Docs.images(root, "a.png", "b.png");
        Docs.zipShard(root, "docs_shard_0_v2.jsonl.zip", "docs_shard_0_v2.jsonl",
                List.of(good("a.png"), "{\"text_list\": [\"broken", "{\"text_list\": 3, \"image_info\": []}", good("b.png")));
        Mmc4Stats stats = new Mmc4Stats();
        List<String> names = new ArrayList<>();
        try (Mmc4DocumentReader r = new Mmc4DocumentReader(Mmc4Shards.discover(root).get(0), stats)) {
            r.forEachRemaining(d -> names.add(d.images().get(0).imageName()));
        }
        assertEquals(List.of("a.png", "b.png"), names);
        assertEquals(2, stats.snapshot().malformedLines());
        assertEquals(2, stats.snapshot().documentsRead());
        assertEquals(0, stats.snapshot().shardsDamaged());
    }

    @Test
    void nonZipShardSkippedAndCounted() throws Exception {
        Docs.images(root, "a.png");
        Docs.plainShard(root, "docs_shard_0_v2.jsonl.zip", List.of(good("a.png")));
        Docs.zipShard(root, "docs_shard_1_v2.jsonl.zip", "docs_shard_1_v2.jsonl", List.of(good("a.png")));
        Mmc4Stats stats = new Mmc4Stats();
        List<Mmc4Shard> shards = Mmc4Shards.discover(root);
        try (Mmc4DocumentReader r = new Mmc4DocumentReader(shards.get(0), stats)) {
            assertFalse(r.hasNext());
        }
        assertEquals(1, stats.snapshot().shardsDamaged());
        // the stream carries on with the other shard
        Mmc4Stream s = new Mmc4Stream(config(), TOK, stats, 0, 1, 0, 1, 0);
        assertEquals("a.png", s.next().imageNames().get(0));
    }

    @Test
    void documentWithoutUsableImageIsReplacedByAnother() throws Exception {
        Docs.images(root, "b.png");
        Docs.plainShard(root, "docs_shard_0_v2.jsonl", List.of(
                Docs.line(List.of("Low."), new Docs.Img("b.png", 0, 0.1)),
                Docs.line(List.of("Missing file."), new Docs.Img("nofile.png", 0, 0.9)),
                good("b.png")));
        Mmc4Stats stats = new Mmc4Stats();
        Mmc4Stream s = new Mmc4Stream(config(), TOK, stats, 0, 1, 0, 1, 0);
        Mmc4Sample first = s.next();
        assertEquals(List.of("b.png"), first.imageNames());
        assertEquals(2, stats.snapshot().documentsNoImage());
        assertEquals(1, stats.snapshot().imagesMissing());
        assertEquals("bytes of b.png", new String(first.imageBytes().get(0), StandardCharsets.UTF_8));
        // endless: the next pass comes back to it
        assertEquals(List.of("b.png"), s.next().imageNames());
    }

    @Test
    void noUsableDocumentAtAllIsAnError() throws Exception {
        Docs.plainShard(root, "docs_shard_0_v2.jsonl", List.of(Docs.line(List.of("Low."), new Docs.Img("b.png", 0, 0.1))));
        Mmc4Stream s = new Mmc4Stream(config(), TOK, new Mmc4Stats(), 0, 1, 0, 1, 0);
        assertThrows(Mmc4Exception.class, s::next);
    }

    List<int[]> take(Mmc4Config c, int rank, int world, int worker, int workers, long epoch, int n) {
        List<int[]> out = new ArrayList<>();
        Mmc4Stream s = new Mmc4Stream(c, TOK, new Mmc4Stats(), rank, world, worker, workers, epoch);
        for (int i = 0; i < n; i++) {
            out.add(s.next().ids());
        }
        s.close();
        return out;
    }

    @Test
    void deterministicGivenSeedEpochRankWorker() throws Exception {
        String[] names = new String[12];
        for (int i = 0; i < names.length; i++) {
            names[i] = "im" + i + ".png";
        }
        Docs.images(root, names);
        for (int shard = 0; shard < 4; shard++) {
            List<String> lines = new ArrayList<>();
            for (int d = 0; d < 10; d++) {
                lines.add(Docs.line(List.of("Doc " + shard + " " + d + ".", "Middle part.", "End " + d + "."),
                        new Docs.Img(names[(shard * 3 + d) % 12], 0, 0.3), new Docs.Img(names[(d + 1) % 12], 0, 0.5),
                        new Docs.Img(names[(d + 2) % 12], 2, 0.5)));
            }
            Docs.zipShard(root, "docs_shard_" + shard + "_v2.jsonl.zip", "docs_shard_" + shard + "_v2.jsonl", lines);
        }
        Mmc4Config c = config().withShuffleBuffer(8);
        List<int[]> a = take(c, 1, 2, 0, 1, 3, 25);
        List<int[]> b = take(c, 1, 2, 0, 1, 3, 25);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        List<int[]> otherEpoch = take(c, 1, 2, 0, 1, 4, 25);
        boolean differs = false;
        for (int i = 0; i < a.size(); i++) {
            differs |= !java.util.Arrays.equals(a.get(i), otherEpoch.get(i));
        }
        assertTrue(differs, "another epoch gives another order/draws");
    }
}
