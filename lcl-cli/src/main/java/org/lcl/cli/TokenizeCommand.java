package org.lcl.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Reads text lines from stdin and prints one JSON array of token ids per line. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {
            "Tokenize stdin, one text a line (UTF-8), printing one JSON array of ids per line.",
            "Without --context-length: sot + ids + eot, unpadded. With N: OpenCLIP's tokenize(text, N):"
                + " sot + ids + eot truncated to N (the last kept id set to eot), zero-padded to N.",
            "LCL's special strings (<img_placehold>, <start_of_img>, <end_of_img>, <start_of_text>,"
                + " <end_of_text>) inside a line come out as their single ids.",
            "With --decode, reads JSON arrays of ids instead and prints their text."},
        footer = {"", "Tokenizers:",
            "  clip  CLIP's BPE: sot 49406, eot 49407; LCL's img 49408, soi 49409,",
            "        eoi 49410. Reads bpe_simple_vocab_16e6.txt.gz: --vocab, else",
            "        -Dlcl.clip.vocab, else $LCL_CLIP_VOCAB, else ../shared/data/",
            "        beside the project root.",
            "  gpt2  GPT-2's BPE (r50k_base, bundled: no file) + sot 50257,",
            "        eot 50258, img 50259, soi 50260, eoi 50261."})
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "clip|gpt2", description = "Which tokenizer.")
    String tokenizer;

    @Option(names = "--vocab", paramLabel = "FILE", description = "CLIP's merges file (clip only).")
    Path vocab;

    @Option(names = "--context-length", paramLabel = "N", description = "Fixed length: truncate and zero-pad to N (N >= 2).")
    Integer contextLength;

    @Option(names = "--decode", description = "Read JSON arrays of ids, print their text (padding after the last eot skipped).")
    boolean decode;

    @Override
    public Integer call() throws IOException {
        if (contextLength != null && contextLength < 2) {
            System.err.println("error: --context-length must be at least 2 (sot and eot), got " + contextLength);
            return 2;
        }
        Tokenizer tok;
        try {
            tok = Tokenizers.create(tokenizer, vocab);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        var sb = new StringBuilder();
        int lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            sb.setLength(0);
            if (decode) {
                int[] ids;
                try {
                    ids = parseIds(line);
                    sb.append(tok.decode(ids));
                } catch (IllegalArgumentException e) {
                    out.flush();
                    System.err.println("error: line " + lineNo + ": " + e.getMessage());
                    return 1;
                }
            } else {
                int[] ids;
                if (contextLength != null) {
                    ids = tok.tokenize(line, contextLength);
                } else {
                    int[] body = tok.encode(line);
                    ids = new int[body.length + 2];
                    ids[0] = tok.specialTokens().startOfText();
                    System.arraycopy(body, 0, ids, 1, body.length);
                    ids[ids.length - 1] = tok.specialTokens().endOfText();
                }
                sb.append('[');
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(ids[i]);
                }
                sb.append(']');
            }
            out.append(sb).append('\n');
            if (!in.ready()) {
                out.flush(); // interactive use: answer each line as it comes
            }
        }
        out.flush();
        return 0;
    }

    /** A JSON array of integers, e.g. {@code [49406, 320, 49407]}. */
    static int[] parseIds(String line) {
        String s = line.strip();
        if (!s.startsWith("[") || !s.endsWith("]")) {
            throw new IllegalArgumentException("expected a JSON array of ids, got: " + s);
        }
        String body = s.substring(1, s.length() - 1).strip();
        if (body.isEmpty()) {
            return new int[0];
        }
        String[] parts = body.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer id: '" + parts[i].strip() + "'");
            }
        }
        return ids;
    }
}
