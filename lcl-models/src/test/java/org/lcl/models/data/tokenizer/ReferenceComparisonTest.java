package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Random texts built to hit the tokenizer's corners (entities, contractions, special strings,
 * Unicode letters, numbers, marks, spaces of every kind, emoji, U+0345, 'ſ') encoded by
 * ClipTokenizer and by the Python reference (bench/tokenizer/reference_tokenizer.py under
 * /usr/bin/python3 with the regex module). Skipped, saying why, where that python or regex or
 * ../shared is absent.
 */
class ReferenceComparisonTest {

    private static final String[] FRAGMENTS = {
        "a", "the", "photo", "Cat", "DOG", "it's", "I'LL", "we've", "they'RE", "'d", "'m", "''s", "'t", "x'<end_of_img>",
        "<img_placehold>", "<START_OF_IMG>", "<end_of_img>", "<start_of_text>", "<end_of_text>", "!<img_placehold>",
        "<img_placehold", "<\u017ftart_of_text>", "it'\u017f", "&amp;", "&amp", "&lt;b&gt;", "&amp;lt;", "&#39;", "&#x1F642;",
        "&notin;", "&notit;", "&#0;", "&#128;", "&nbsp;", "&", "#", ";", "123", "3.14", "\u00b2", "\u2160", "\u0661\u0662",
        "na\u00efve", "caf\u00e9", "\u00c0\u00c9\u00ce", "stra\u00dfe", "\u0130stanbul", "\u212a", "\u03a3\u039f\u03a3", "\u03c3", "\u03a3", "\u039f\u03a3.", "\u0391\u03a3'", "\u03a3\u0301",
        "\u65e5\u672c\u8a9e", "\ud55c\uad6d\uc5b4", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0939\u093f\u0928\u094d\u0926\u0940",
        "\ud83d\ude42", "\ud83d\udc4d\ud83c\udffd", "\ud835\udd18\ud835\udd2b", "e\u0301", "a\u0345b", "\u0345", "\u200b", "\u200d",
        " ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u001c", "\u001f", "\r", "\u000b", "\f",
        "...", "--", "\u2014", "\u2019", "\u201c", "(", ")", "C++", "http://x.com/a?b=1", "@user", "#tag", "_", "\\", "\u00ac",
        "\u0000", "\u007f", "\ufffd", "\u00ad", "\ufeff", "\u02bc", "\u1e9e", "\u2126", "\u01c5", "\u0149", "\ufb01",
    };

    @Test
    void randomTextsMatchThePythonReference() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Path root = ClipTokenizer.projectRoot();
        Path script = root == null ? null : root.resolve("bench").resolve("tokenizer").resolve("reference_tokenizer.py");
        Path vocab = TestData.vocab();
        skipUnless(Files.isExecutable(python), "/usr/bin/python3 is absent");
        skipUnless(script != null && Files.isRegularFile(script), "bench/tokenizer/reference_tokenizer.py not found");
        Process check = new ProcessBuilder(python.toString(), "-c", "import regex").redirectErrorStream(true).start();
        skipUnless(check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0,
                "the python3 'regex' module is absent (Debian: apt-get install python3-regex)");

        SplittableRandom rnd = new SplittableRandom(20240607);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            int n = 1 + rnd.nextInt(12);
            var sb = new StringBuilder();
            for (int k = 0; k < n; k++) {
                sb.append(FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
                if (rnd.nextInt(3) > 0) {
                    sb.append(' ');
                }
            }
            texts.add(sb.toString());
        }
        Path dir = Files.createTempDirectory("tok-ref");
        try {
            Path in = dir.resolve("texts.txt");
            Path out = dir.resolve("ids.txt");
            Files.writeString(in, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(python.toString(), script.toString(), "--vocab", vocab.toString(), "--texts", in.toString(),
                    "--passes", "0", "--ids-out", out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "reference failed: " + log);
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            assertEquals(texts.size(), lines.size(), "one line of ids per text");
            ClipTokenizer tok = TestData.clip();
            int mismatches = 0;
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < texts.size(); i++) {
                int[] expected = lines.get(i).isEmpty() ? new int[0] : Arrays.stream(lines.get(i).split(" ")).mapToInt(Integer::parseInt).toArray();
                int[] got = tok.encode(texts.get(i));
                if (!Arrays.equals(expected, got)) {
                    if (mismatches++ < 5) {
                        first.append("\n  ").append(escape(texts.get(i))).append("\n    python ").append(Arrays.toString(expected))
                                .append("\n    java   ").append(Arrays.toString(got));
                    }
                }
            }
            assertEquals(0, mismatches, mismatches + " of " + texts.size() + " texts differ:" + first);
            System.out.println("ReferenceComparisonTest: " + texts.size() + " random texts identical to the Python reference");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void skipUnless(boolean ok, String reason) {
        if (!ok) {
            System.out.println("skipped: " + reason);
            assumeTrue(false, reason);
        }
    }

    private static String escape(String s) {
        var sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                sb.appendCodePoint(c);
            } else {
                sb.append(String.format("\\u{%x}", c));
            }
        });
        return sb.toString();
    }
}
