package org.lcl.models.data.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * The default tokenizer, which needs no file: GPT-2's byte-level BPE ({@code r50k_base}, 50257
 * ids, bundled with the jtokkit library) with LCL's five special tokens appended after it:
 *
 * <table>
 *   <caption>special ids</caption>
 *   <tr><td>{@code <start_of_text>}</td><td>50257</td></tr>
 *   <tr><td>{@code <end_of_text>}</td><td>50258</td></tr>
 *   <tr><td>{@code <img_placehold>}</td><td>50259</td></tr>
 *   <tr><td>{@code <start_of_img>}</td><td>50260</td></tr>
 *   <tr><td>{@code <end_of_img>}</td><td>50261</td></tr>
 * </table>
 * vocabSize = 50262. All five are appended (GPT-2's own {@code <|endoftext|>}, 50256, is not
 * reused) so that both tokenizers write the same five strings and a special id is never one a
 * text can produce; {@code <|endoftext|>} inside text is encoded as ordinary text.
 *
 * <p>Text is encoded as GPT-2 does it: no cleaning, no lower-casing. The five special strings are
 * recognised where they occur exactly (case-sensitive) and cut the text there; the parts between
 * them are encoded independently, except that whitespace right before a special token is dropped:
 * the MMC4 rules write {@code " <start_of_img> <img_placehold> <img_placehold> ... "}, spaces the
 * CLIP tokenizer ignores, and GPT-2's BPE would otherwise turn each into a token between the
 * placeholders. (A word after a special token keeps its leading space, GPT-2's usual form.) So
 * {@code decode(encode(x)) == x} for any valid text without whitespace before a special token. {@link #decode} writes special tokens as their strings and skips the
 * zeros after a final eot (padding; other zeros are GPT-2's "!"). Immutable and thread-safe.
 */
public final class Gpt2Tokenizer implements Tokenizer {

    /** Ids of GPT-2's own vocabulary ({@code r50k_base}). */
    public static final int BASE_VOCAB_SIZE = 50257;
    /** Base vocabulary + the five special tokens. */
    public static final int VOCAB_SIZE = BASE_VOCAB_SIZE + 5;
    /** Special ids: sot 50257, eot 50258, img 50259, soi 50260, eoi 50261. */
    public static final SpecialTokens SPECIALS = new SpecialTokens(BASE_VOCAB_SIZE, BASE_VOCAB_SIZE + 1,
            BASE_VOCAB_SIZE + 2, BASE_VOCAB_SIZE + 3, BASE_VOCAB_SIZE + 4);

    private static final class Holder {
        static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();
    }

    private final Encoding encoding;

    private Gpt2Tokenizer() {
        encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    /** The shared instance (the BPE tables load once, on first use). */
    public static Gpt2Tokenizer get() {
        return Holder.INSTANCE;
    }

    @Override
    public int[] encode(String text) {
        IntArrayList out = new IntArrayList(Math.max(8, text.length() / 3));
        int from = 0;
        int n = text.length();
        int lt = text.indexOf('<');
        while (lt >= 0) {
            int special = specialAt(text, lt);
            if (special >= 0) {
                appendOrdinary(text.substring(from, lt).stripTrailing(), out);
                out.add(BASE_VOCAB_SIZE + special);
                from = lt + SPECIAL_STRINGS.get(special).length();
                lt = text.indexOf('<', from);
            } else {
                lt = text.indexOf('<', lt + 1);
            }
        }
        appendOrdinary(from == 0 ? text : text.substring(from, n), out);
        return out.toArray();
    }

    private static int specialAt(String text, int at) {
        for (int k = 0; k < SPECIAL_STRINGS.size(); k++) {
            if (text.startsWith(SPECIAL_STRINGS.get(k), at)) {
                return k;
            }
        }
        return -1;
    }

    private void appendOrdinary(String part, IntArrayList out) {
        if (part.isEmpty()) {
            return;
        }
        IntArrayList ids = encoding.encodeOrdinary(part);
        for (int i = 0; i < ids.size(); i++) {
            out.add(ids.get(i));
        }
    }

    @Override
    public String decode(int[] ids) {
        int end = specialTokens().unpaddedLength(ids);
        var bytes = new ByteArrayOutputStream();
        IntArrayList run = new IntArrayList();
        for (int i = 0; i < end; i++) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("id " + id + " at " + i + " is outside the vocabulary [0, " + VOCAB_SIZE + ")");
            }
            if (id >= BASE_VOCAB_SIZE) {
                flush(run, bytes);
                bytes.writeBytes(SPECIAL_STRINGS.get(id - BASE_VOCAB_SIZE).getBytes(StandardCharsets.US_ASCII));
            } else {
                run.add(id);
            }
        }
        flush(run, bytes);
        byte[] all = bytes.toByteArray();
        return Utf8.decode(all, all.length); // as tiktoken's decode (errors="replace")
    }

    private void flush(IntArrayList run, ByteArrayOutputStream bytes) {
        if (!run.isEmpty()) {
            bytes.writeBytes(encoding.decodeBytes(run));
            run.clear();
        }
    }

    @Override
    public SpecialTokens specialTokens() {
        return SPECIALS;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public String toString() {
        return "Gpt2Tokenizer[r50k_base + 5 special tokens]";
    }

    /** GPT-2's ids of text with no special-token handling (jtokkit's encodeOrdinary). */
    int[] encodeOrdinary(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }
}
