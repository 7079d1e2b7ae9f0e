package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lcl data make-mmc4} and {@code lcl data inspect} on a tiny corpus from Debian's stamps and fortunes. */
class DataCommandMmc4Test {

    static final Path STAMPS = Path.of("/usr/share/tuxpaint/stamps");
    static final Path FORTUNES = Path.of("/usr/share/games/fortunes");

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run lcl(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            exit = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.println("$ lcl " + String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /** The tokenizer arguments: CLIP's vocabulary beside the project when present, else gpt2. */
    static List<String> tokenizerArgs() {
        for (Path vocab : List.of(Path.of("..", "..", "shared", "data", "bpe_simple_vocab_16e6.txt.gz"),
                Path.of("..", "shared", "data", "bpe_simple_vocab_16e6.txt.gz"))) {
            if (Files.isRegularFile(vocab)) {
                return List.of("--tokenizer", "clip", "--vocab", vocab.toString());
            }
        }
        System.out.println("DataCommandMmc4Test: CLIP vocabulary not found beside the project; using gpt2");
        return List.of("--tokenizer", "gpt2");
    }

    @BeforeEach
    void needDebianData() {
        if (!Files.isDirectory(STAMPS) || !Files.isDirectory(FORTUNES)) {
            System.out.println("DataCommandMmc4Test skipped: needs Debian packages tuxpaint-stamps-default (" + STAMPS
                    + ") and fortunes (" + FORTUNES + ")");
            Assumptions.abort("tuxpaint-stamps-default or fortunes not installed");
        }
    }

    /** A few stamps and fortune files, so that the generator reads little. */
    Path[] inputs() throws Exception {
        Path stamps = Files.createDirectories(tmp.resolve("stamps"));
        Path fortunes = Files.createDirectories(tmp.resolve("fortunes"));
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(STAMPS)) {
            pngs = s.filter(p -> p.toString().endsWith(".png"))
                    .filter(p -> Files.isRegularFile(Path.of(p.toString().replaceAll("\\.png$", ".txt")))).sorted()
                    .limit(8).toList();
        }
        for (int i = 0; i < pngs.size(); i++) {
            Files.copy(pngs.get(i), stamps.resolve("s" + i + ".png"));
            Files.copy(Path.of(pngs.get(i).toString().replaceAll("\\.png$", ".txt")), stamps.resolve("s" + i + ".txt"));
        }
        try (Stream<Path> s = Files.list(FORTUNES)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().contains(".")).sorted()
                    .limit(2).toList()) {
                Files.copy(p, fortunes.resolve(p.getFileName()));
            }
        }
        return new Path[] {stamps, fortunes};
    }

    Path makeCorpus() throws Exception {
        Path[] in = inputs();
        Path root = tmp.resolve("mmc4");
        Run r = lcl("data", "make-mmc4", "--stamps", in[0].toString(), "--fortunes", in[1].toString(), "--output",
                root.toString(), "--num-shards", "3", "--docs-per-shard", "4", "--seed", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote 12 documents in 3 shards"), r.out());
        assertTrue(r.out().contains("--dataset-type mmc4 --train-data " + root), r.out());
        for (int i = 0; i < 3; i++) {
            assertTrue(Files.isRegularFile(root.resolve("data").resolve("docs_shard_" + i + "_v2.jsonl.zip")));
        }
        return root;
    }

    static List<String> inspectArgs(Path root, String... more) {
        List<String> a = new ArrayList<>(List.of("data", "inspect", "--train-data", root.toString(), "--samples", "2",
                "--interleaved-context-length", "256", "--num-img-token", "4", "--count"));
        a.addAll(tokenizerArgs());
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void makeMmc4ThenInspectShowsShardsSamplesAndCounts() throws Exception {
        Path root = makeCorpus();
        Run r = lcl(inspectArgs(root, "--train-num-samples", "12", "--batch-size", "2", "--workers", "2")
                .toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("(MMC4)"), "auto-detected: " + out);
        assertTrue(out.contains("shards:     3: docs_shard_0_v2.jsonl.zip ... docs_shard_2_v2.jsonl.zip"), out);
        assertTrue(out.contains("epoch:      12 samples"), out);
        assertTrue(out.contains("sample 1: ") && out.contains("sample 2: ") && !out.contains("sample 3: "), out);
        Matcher img = Pattern.compile("image 1: stamp_\\d{6}\\.png \\d+ bytes, decodes to \\d+x\\d+").matcher(out);
        assertTrue(img.find(), out);
        assertTrue(out.contains("<start_of_img> <img_placehold>×4 <end_of_img>") || out.contains("<start_of_img><img_placehold>×4 <end_of_img>"),
                "special tokens written out, placeholder runs folded: " + out);
        assertTrue(out.contains("<start_of_text>") && out.contains("<end_of_text>"), out);
        assertTrue(Pattern.compile("ids: +\\d+ ").matcher(out).find(), out);
        assertTrue(out.contains("count:      12 documents, "), out);
        assertTrue(out.contains("skips:      mmc4: "), out);
        assertTrue(out.contains("not decodable 0"), out);
    }

    @Test
    void inspectReportsUndecodableImages() throws Exception {
        Path root = makeCorpus();
        try (Stream<Path> s = Files.list(root.resolve("images"))) {
            for (Path p : s.toList()) {
                Files.writeString(p, "not an image any more");
            }
        }
        Run r = lcl(inspectArgs(root, "--dataset-type", "mmc4").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("does not decode"), r.out());
        assertTrue(r.out().contains(", 0 usable sequences with 0 images"), r.out());
        assertTrue(r.out().contains("image does not decode="), r.out());
        assertTrue(r.out().contains("document without a decodable image="), r.out());
        assertTrue(r.out().contains("epoch:      give --train-num-samples"), r.out());
    }

    @Test
    void makeMmc4NamesAMissingInputFolder() {
        Run r = lcl("data", "make-mmc4", "--stamps", tmp.resolve("nope").toString(), "--output", tmp.resolve("out").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("image + caption folder not found: " + tmp.resolve("nope")), r.err());
    }

    @Test
    void inspectWithoutShardsFailsClearly() throws Exception {
        Files.createDirectories(tmp.resolve("empty").resolve("data"));
        Files.createDirectories(tmp.resolve("empty").resolve("images"));
        Run r = lcl("data", "inspect", "--train-data", tmp.resolve("empty").toString(), "--tokenizer", "gpt2");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no MMC4 shard in"), r.err());
        assertFalse(r.out().contains("sample 1"), r.out());
    }
}
