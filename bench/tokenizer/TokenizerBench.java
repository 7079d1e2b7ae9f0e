import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.lcl.models.data.tokenizer.ClipTokenizer;

/**
 * scripts/bench tokenizer: ClipTokenizer's single-threaded throughput on the same texts as the
 * Python reference (bench/tokenizer/reference_tokenizer.py), and whether both give the same ids.
 *
 * <pre>
 * TokenizerBench --vocab F --texts F --reference-ids F --reference-tps X --reference-cold-tps X [--passes N]
 * </pre>
 * Texts: one a line (UTF-8, split on '\n' only, as the Python side reads them). Like the
 * reference: one warm-up pass (cold cache; timed and reported separately), then N timed passes;
 * tokens/s = tokens / best pass. The last line is
 * {@code tokenizer: ours=<tok/s> reference=<tok/s> ratio=<r>}.
 */
public final class TokenizerBench {

    public static void main(String[] args) throws Exception {
        Path vocab = null;
        Path textsFile = null;
        Path referenceIds = null;
        double referenceTps = Double.NaN;
        double referenceColdTps = Double.NaN;
        int passes = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vocab" -> vocab = Path.of(args[++i]);
                case "--texts" -> textsFile = Path.of(args[++i]);
                case "--reference-ids" -> referenceIds = Path.of(args[++i]);
                case "--reference-tps" -> referenceTps = Double.parseDouble(args[++i]);
                case "--reference-cold-tps" -> referenceColdTps = Double.parseDouble(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (vocab == null || textsFile == null) {
            throw new IllegalArgumentException("usage: TokenizerBench --vocab F --texts F [--reference-ids F] [--reference-tps X] [--passes N]");
        }
        List<String> texts = readTexts(textsFile);
        long bytes = Files.size(textsFile);

        long t0 = System.nanoTime();
        ClipTokenizer tok = ClipTokenizer.load(vocab, ClipTokenizer.DEFAULT_CACHE_SIZE);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;

        // warm-up = first pass with an empty cache (and a cold JIT), as the reference's
        t0 = System.nanoTime();
        int[][] ids = new int[texts.size()][];
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            ids[i] = tok.encode(texts.get(i));
            tokens += ids[i].length;
        }
        double coldSeconds = (System.nanoTime() - t0) / 1e9;

        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int p = 0; p < passes; p++) {
            long s = System.nanoTime();
            for (String t : texts) {
                sink += tok.encode(t).length;
            }
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        if (sink != tokens * passes) {
            throw new IllegalStateException("token count changed between passes");
        }

        int mismatches = -1;
        String firstMismatch = null;
        if (referenceIds != null) {
            List<String> lines = Files.readAllLines(referenceIds, StandardCharsets.UTF_8);
            if (lines.size() != texts.size()) {
                throw new IllegalStateException("reference wrote " + lines.size() + " id lines for " + texts.size() + " texts");
            }
            mismatches = 0;
            for (int i = 0; i < texts.size(); i++) {
                String line = lines.get(i);
                int[] expected = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                if (!Arrays.equals(expected, ids[i])) {
                    if (mismatches++ == 0) {
                        firstMismatch = "text " + (i + 1) + ": " + texts.get(i) + "\n  reference " + Arrays.toString(expected)
                                + "\n  ours      " + Arrays.toString(ids[i]);
                    }
                }
            }
        }

        double ours = tokens / best;
        double oursCold = tokens / coldSeconds;
        System.out.printf(Locale.ROOT, "texts: %d lines, %.2f MB, %d tokens (%s)%n", texts.size(), bytes / 1e6, tokens, textsFile);
        System.out.printf(Locale.ROOT, "vocabulary load: %.3f s (Java)%n", loadSeconds);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-28s %14s %14s%n", "implementation", "warm tok/s", "cold tok/s");
        System.out.printf(Locale.ROOT, "%-28s %14.0f %14.0f%n", "ours (Java, 1 thread)", ours, oursCold);
        System.out.printf(Locale.ROOT, "%-28s %14.0f %14.0f%n", "reference (Python + regex)", referenceTps, referenceColdTps);
        System.out.printf(Locale.ROOT, "%-28s %14.2f %14.2f%n", "ratio", ours / referenceTps, oursCold / referenceColdTps);
        System.out.println("(warm: best of " + passes + " passes after the first; cold: the first pass, empty word cache)");
        if (mismatches >= 0) {
            System.out.println("id mismatches vs reference: " + mismatches + " of " + texts.size() + " texts");
            if (firstMismatch != null) {
                System.out.println("first mismatch: " + firstMismatch);
            }
        }
        System.out.printf(Locale.ROOT, "tokenizer: ours=%.0f reference=%.0f ratio=%.2f%n", ours, referenceTps, ours / referenceTps);
        if (mismatches > 0) {
            System.exit(3);
        }
    }

    private static List<String> readTexts(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        String all;
        try {
            all = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8", e);
        }
        List<String> texts = new ArrayList<>(Arrays.asList(all.split("\n", -1)));
        if (!texts.isEmpty() && texts.getLast().isEmpty()) {
            texts.removeLast();
        }
        return texts;
    }
}
