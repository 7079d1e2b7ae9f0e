package org.lcl.models.data.tokenizer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI CLIP's / OpenCLIP's {@code SimpleTokenizer} (byte-level BPE, 49408 ids) with LCL's three
 * special tokens appended: {@code <img_placehold>} 49408, {@code <start_of_img>} 49409,
 * {@code <end_of_img>} 49410 (lcl-spec.md). Immutable and thread-safe.
 *
 * <p>Encoding, step by step as the reference:
 * <ol>
 *   <li>clean: ftfy's {@code fix_text} (not applied: identity; the test vectors were made the
 *       same way), Python's {@code html.unescape} twice, {@code strip()}; then every run of
 *       {@code \s} becomes one space, {@code strip()} again; then Python's {@code lower()}
 *       ({@link #clean});</li>
 *   <li>split with {@code <start_of_text>|<end_of_text>|<img_placehold>|<start_of_img>|<end_of_img>|
 *       's|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+} under the {@code regex}
 *       module's IGNORECASE (digits one at a time; {@link #preTokenize});</li>
 *   <li>each piece: its UTF-8 bytes as CLIP's byte characters, {@code </w>} on the last one,
 *       then the lowest-ranked adjacent pair merged (all its occurrences, left to right) until no
 *       adjacent pair has a rank. A piece that is exactly a special string is its single id.</li>
 * </ol>
 *
 * <p>The split is a hand-written scanner, not a regular expression; its classes are the
 * {@code regex} module's, checked code point by code point against it (Python 3.11, regex
 * 2022.10): letters = Unicode category L, numbers = N, spaces = the White_Space property (25 code
 * points; U+001C..U+001F are not among them, though Python's {@code strip()} removes them), and
 * U+0345 COMBINING GREEK YPOGEGRAMMENI, which case-folds to a letter, matches no alternative under
 * IGNORECASE, so it is dropped. Under IGNORECASE 'ſ' (U+017F) matches 's', so {@code 'ſ} is a
 * contraction and {@code <ſtart_of_text>} is split as one piece (BPE'd, not the special id), as
 * the reference does. Categories and lower-casing follow the JDK's Unicode tables (Unicode 16 for
 * JDK 25): code points assigned after the {@code regex} module's Unicode version may differ.
 * Text with unpaired surrogates (which Python's {@code str.encode} refuses) is encoded with
 * U+FFFD in their place.
 *
 * <p>{@link #decode} is the reference's: the byte characters of every id back to bytes, UTF-8
 * decoded with replacement, each {@code </w>} written as a space (so the text ends with a
 * space); special tokens come out as their strings; the zeros after a final eot (padding) are
 * skipped.
 *
 * <p>Speed: BPE results are cached per piece in a bounded lock-free cache (default 65536
 * pieces; the reference's cache is unbounded); the hot loop works on chars and int arrays.
 */
public final class ClipTokenizer implements Tokenizer {

    /** The vocabulary file's standard name. */
    public static final String VOCAB_FILE_NAME = "bpe_simple_vocab_16e6.txt.gz";
    /** System property naming the vocabulary file. */
    public static final String VOCAB_PROPERTY = "lcl.clip.vocab";
    /** Environment variable naming the vocabulary file. */
    public static final String VOCAB_ENV = "LCL_CLIP_VOCAB";
    /** Merges used: the file's lines 1 .. 49152-256-2 (line 0 is a header). */
    public static final int NUM_MERGES = 49152 - 256 - 2;
    /** 256 byte tokens, 256 end-of-word byte tokens, the merges, sot/eot, LCL's three. */
    public static final int VOCAB_SIZE = 512 + NUM_MERGES + 5;
    /** Default number of pieces the BPE cache holds. */
    public static final int DEFAULT_CACHE_SIZE = 1 << 16;

    private static final String EOW = "</w>";
    private static final int FIRST_SPECIAL = 512 + NUM_MERGES; // 49406
    private static final int NO_RANK = Integer.MAX_VALUE;

    // Character classes of the split pattern.
    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;   // regex \s: skipped between pieces
    private static final byte NONE = 4;    // matches no alternative (U+0345): skipped
    private static final byte[] BMP_CLASS = new byte[0x10000];

    /** regex's / Java's \s under Unicode: the White_Space property. */
    private static final String RE_SPACES = "\t\n\u000B\f\r \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
            + "\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";
    /** Python's str.isspace(): White_Space plus the four separators U+001C..U+001F. */
    private static final String PY_SPACES = RE_SPACES + "\u001C\u001D\u001E\u001F";

    static {
        for (int c = 0; c < 0x10000; c++) {
            BMP_CLASS[c] = classify(c);
        }
    }

    /** Byte value to the id of its byte character (CLIP's bytes_to_unicode order). */
    private static final int[] BYTE_ID = new int[256];
    /** Id to byte value, for ids 0..255. */
    private static final int[] ID_BYTE = new int[256];
    /** Byte value to its character (bytes_to_unicode). */
    private static final char[] BYTE_CHAR = new char[256];

    static {
        int[] order = new int[256];
        boolean[] printable = new boolean[256];
        int k = 0;
        for (int b = '!'; b <= '~'; b++) {
            order[k++] = b;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            order[k++] = b;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            order[k++] = b;
        }
        for (int i = 0; i < k; i++) {
            printable[order[i]] = true;
            BYTE_CHAR[order[i]] = (char) order[i];
        }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable[b]) {
                order[k++] = b;
                BYTE_CHAR[b] = (char) (256 + extra++);
            }
        }
        for (int id = 0; id < 256; id++) {
            BYTE_ID[order[id]] = id;
            ID_BYTE[id] = order[id];
        }
    }

    private final String[] vocab;          // id -> token string (byte characters, maybe ending in </w>)
    private final byte[][] idBytes;        // id -> the bytes its characters stand for ("</w>" as 4 ASCII bytes)
    private final PairTable pairs;         // (left id, right id) -> rank
    private final int[] mergedId;          // rank -> id of the merged token
    private final int[] mergeLeft;         // rank -> left id
    private final int[] mergeRight;        // rank -> right id
    private final Map<String, Integer> encoder;
    private final WordCache cache;
    private final String source;

    private ClipTokenizer(List<String> mergeLines, int cacheSize, String source) {
        if (mergeLines.size() < NUM_MERGES) {
            throw new IllegalArgumentException(source + ": " + mergeLines.size() + " merges, expected at least " + NUM_MERGES
                    + " (is it CLIP's " + VOCAB_FILE_NAME + "?)");
        }
        this.source = source;
        vocab = new String[VOCAB_SIZE];
        for (int id = 0; id < 256; id++) {
            vocab[id] = String.valueOf(BYTE_CHAR[ID_BYTE[id]]);
            vocab[256 + id] = vocab[id] + EOW;
        }
        String[][] merges = new String[NUM_MERGES][];
        for (int r = 0; r < NUM_MERGES; r++) {
            String line = mergeLines.get(r);
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(source + ": merge line " + (r + 1) + " is not two tokens: '" + line + "'");
            }
            merges[r] = parts;
            vocab[512 + r] = parts[0] + parts[1];
        }
        for (int i = 0; i < 5; i++) {
            vocab[FIRST_SPECIAL + i] = SPECIAL_STRINGS.get(i);
        }
        // Python's dict(zip(vocab, range(len(vocab)))): a later duplicate wins
        encoder = new HashMap<>(VOCAB_SIZE * 2);
        for (int id = 0; id < VOCAB_SIZE; id++) {
            encoder.put(vocab[id], id);
        }
        pairs = new PairTable(NUM_MERGES);
        mergedId = new int[NUM_MERGES];
        mergeLeft = new int[NUM_MERGES];
        mergeRight = new int[NUM_MERGES];
        for (int r = 0; r < NUM_MERGES; r++) {
            Integer a = encoder.get(merges[r][0]);
            Integer b = encoder.get(merges[r][1]);
            mergedId[r] = encoder.get(vocab[512 + r]);
            if (a == null || b == null) {
                continue; // a part that no merge makes can never be formed
            }
            mergeLeft[r] = a;
            mergeRight[r] = b;
            pairs.put(a, b, r); // dict(zip(merges, range(...))): a later duplicate wins
        }
        idBytes = new byte[VOCAB_SIZE][];
        for (int id = 0; id < VOCAB_SIZE; id++) {
            String t = vocab[id];
            byte[] bytes = new byte[t.length()];
            for (int i = 0; i < t.length(); i++) {
                bytes[i] = (byte) byteOfChar(t.charAt(i), id);
            }
            idBytes[id] = bytes;
        }
        cache = new WordCache(cacheSize);
    }

    private static int byteOfChar(char c, int id) {
        if (c < 256 && BYTE_CHAR[c] == c) {
            return c;
        }
        if (c >= 256 && c < 256 + 68) {
            for (int b = 0; b < 256; b++) {
                if (BYTE_CHAR[b] == c) {
                    return b;
                }
            }
        }
        throw new IllegalArgumentException("token " + id + " has a character outside CLIP's byte alphabet: U+"
                + Integer.toHexString(c));
    }

    // ---------------------------------------------------------------- loading

    /** Loads the vocabulary found by {@link #resolveVocab(Path)} ({@code vocabOrNull} first). */
    public static ClipTokenizer load(Path vocabOrNull) {
        return load(resolveVocab(vocabOrNull), DEFAULT_CACHE_SIZE);
    }

    /** Loads a {@code bpe_simple_vocab_16e6.txt.gz}-format file (gzip or plain text). */
    public static ClipTokenizer load(Path vocab, int cacheSize) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(vocab))) {
            return fromStream(in, cacheSize, vocab.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CLIP vocabulary " + vocab + ": " + e.getMessage(), e);
        }
    }

    /** Reads the merges file from a stream (gzip-compressed or not); {@code source} names it in errors. */
    public static ClipTokenizer fromStream(InputStream in, int cacheSize, String source) throws IOException {
        InputStream data = in.markSupported() ? in : new BufferedInputStream(in);
        data.mark(2);
        int b0 = data.read();
        int b1 = data.read();
        data.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            data = new GZIPInputStream(data, 1 << 16);
        }
        String text = new String(data.readAllBytes(), StandardCharsets.UTF_8);
        // merges = text.split('\n')[1 : 49152-256-2+1]
        List<String> lines = new ArrayList<>(NUM_MERGES);
        int pos = text.indexOf('\n');
        if (pos < 0) {
            throw new IllegalArgumentException(source + ": not a BPE merges file (a single line)");
        }
        pos++;
        while (lines.size() < NUM_MERGES && pos <= text.length()) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) {
                nl = text.length();
            }
            lines.add(text.substring(pos, nl));
            pos = nl + 1;
        }
        return new ClipTokenizer(lines, cacheSize, source);
    }

    /**
     * The vocabulary file to use: {@code explicit} if not null, else the system property
     * {@value #VOCAB_PROPERTY}, else the environment variable {@value #VOCAB_ENV}, else
     * {@code ../shared/data/bpe_simple_vocab_16e6.txt.gz} beside the project root (the folder
     * holding {@code scripts/lib/env.sh}: {@code $LCL_ROOT}, or the nearest such folder above the
     * working directory). A named file that does not exist is an error (no fall-back).
     *
     * @throws IllegalArgumentException naming what was tried
     */
    public static Path resolveVocab(Path explicit) {
        if (explicit != null) {
            return existing(explicit, "the given path");
        }
        String prop = System.getProperty(VOCAB_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return existing(Path.of(prop), "system property " + VOCAB_PROPERTY);
        }
        String env = System.getenv(VOCAB_ENV);
        if (env != null && !env.isBlank()) {
            return existing(Path.of(env), "environment variable " + VOCAB_ENV);
        }
        Path root = projectRoot();
        String defaultTried;
        if (root != null && root.toAbsolutePath().getParent() != null) {
            Path candidate = root.toAbsolutePath().getParent().resolve("shared").resolve("data").resolve(VOCAB_FILE_NAME);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            defaultTried = candidate + " (does not exist)";
        } else {
            defaultTried = "../shared/data/" + VOCAB_FILE_NAME + " beside the project root (no project root found: set LCL_ROOT)";
        }
        throw new IllegalArgumentException("no CLIP vocabulary (" + VOCAB_FILE_NAME + ") found. Tried: a path argument (none given; "
                + "--vocab on the command line), system property -D" + VOCAB_PROPERTY + " (unset), environment variable "
                + VOCAB_ENV + " (unset), " + defaultTried + ". The file ships with OpenAI CLIP and OpenCLIP "
                + "(sha256 924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a).");
    }

    private static Path existing(Path p, String what) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("CLIP vocabulary from " + what + " does not exist or is not a file: " + p);
        }
        return p;
    }

    /** The project root: $LCL_ROOT, else the nearest folder at or above the working directory holding scripts/lib/env.sh. */
    static Path projectRoot() {
        String env = System.getenv("LCL_ROOT");
        if (env != null && !env.isBlank() && Files.isDirectory(Path.of(env))) {
            return Path.of(env).toAbsolutePath();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("scripts").resolve("lib").resolve("env.sh"))) {
                return d;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- cleaning

    /** The reference's {@code _clean_lower}: {@code whitespace_clean(basic_clean(text)).lower()}, ftfy as identity. */
    public static String clean(String text) {
        String t = HtmlUnescape.unescape(HtmlUnescape.unescape(text));
        return lower(collapseWhitespace(t));
    }

    /** Word_Break MidLetter, MidNumLet and Single_Quote: case-ignorable besides Mn, Me, Cf, Lm, Sk. */
    private static final String CASE_IGNORABLE_PUNCT = "'.:\u00B7\u0387\u055F\u05F4\u2018\u2019\u2024\u2027\uFE13\uFE52\uFE55\uFF07\uFF0E\uFF1A";

    /**
     * Python's {@code str.lower()}. The JDK's {@code toLowerCase(Locale.ROOT)} has the same
     * mappings but a different final-sigma test (it looks within a BreakIterator word, so
     * "ΣΟΣ1a" keeps a medial σ where Python writes ς); capital sigma follows Python's rule here:
     * final iff preceded by a cased letter and not followed by one, case-ignorable code points
     * skipped in both directions.
     */
    static String lower(String s) {
        if (s.indexOf('\u03A3') < 0) {
            return s.toLowerCase(Locale.ROOT);
        }
        var sb = new StringBuilder(s.length());
        int n = s.length();
        int from = 0;
        for (int i = s.indexOf('\u03A3'); i >= 0; i = s.indexOf('\u03A3', i + 1)) {
            sb.append(s.substring(from, i).toLowerCase(Locale.ROOT));
            int j = i;
            int c = 0;
            while (j > 0) {
                c = s.codePointBefore(j);
                if (!isCaseIgnorable(c)) {
                    break;
                }
                j -= Character.charCount(c);
            }
            boolean fin = j > 0 && isCased(c);
            if (fin && i + 1 < n) {
                j = i + 1;
                while (j < n) {
                    c = s.codePointAt(j);
                    if (!isCaseIgnorable(c)) {
                        break;
                    }
                    j += Character.charCount(c);
                }
                fin = j == n || !isCased(c);
            }
            sb.append(fin ? '\u03C2' : '\u03C3');
            from = i + 1;
        }
        sb.append(s.substring(from).toLowerCase(Locale.ROOT));
        return sb.toString();
    }

    private static boolean isCaseIgnorable(int c) {
        return switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> true;
            default -> c < 0x10000 && CASE_IGNORABLE_PUNCT.indexOf((char) c) >= 0;
        };
    }

    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /**
     * {@code strip()}, then {@code re.sub(r'\s+', ' ', t)}, then {@code strip()} (the last is a
     * no-op: the ends after the first strip are not spaces of either kind).
     */
    static String collapseWhitespace(String t) {
        int start = 0;
        int end = t.length();
        while (start < end && isPySpace(t.charAt(start))) {
            start++;
        }
        while (end > start && isPySpace(t.charAt(end - 1))) {
            end--;
        }
        // fast path: nothing to collapse
        boolean change = false;
        for (int i = start; i < end; i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c >= 0x85) {
                if (isReSpace(c) && (c != ' ' || (i + 1 < end && isReSpace(t.charAt(i + 1))))) {
                    change = true;
                    break;
                }
            }
        }
        if (!change) {
            return start == 0 && end == t.length() ? t : t.substring(start, end);
        }
        var sb = new StringBuilder(end - start);
        boolean pending = false;
        for (int i = start; i < end; i++) {
            char c = t.charAt(i);
            if (isReSpace(c)) {
                pending = true;
            } else {
                if (pending) {
                    sb.append(' ');
                    pending = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static boolean isReSpace(char c) {
        return c < 0x80 ? (c == ' ' || (c >= '\t' && c <= '\r')) : RE_SPACES.indexOf(c) >= 0;
    }

    static boolean isPySpace(char c) {
        return c < 0x80 ? (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F)) : PY_SPACES.indexOf(c) >= 0;
    }

    private static byte classify(int cp) {
        if (cp < 0x10000 && isReSpace((char) cp)) {
            return SPACE;
        }
        if (cp == 0x0345) {
            return NONE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    private static byte classAt(int cp) {
        return cp < 0x10000 ? BMP_CLASS[cp] : classify(cp);
    }

    // ---------------------------------------------------------------- splitting

    /**
     * The characters the split pattern's literals match under IGNORECASE (regex module): a
     * pattern char (lower-case ASCII) matches itself, its upper case, and for 's' also 'ſ'
     * (U+017F), 'k' the Kelvin sign, 'i' 'İ' (U+0130).
     */
    private static boolean literalMatches(char input, char pattern) {
        if (input == pattern) {
            return true;
        }
        if (input >= 'A' && input <= 'Z') {
            return input + 32 == pattern;
        }
        return (input == '\u017F' && pattern == 's') || (input == '\u212A' && pattern == 'k') || (input == '\u0130' && pattern == 'i');
    }

    private static boolean literalAt(String s, int at, String literal) {
        int n = literal.length();
        if (at + n > s.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!literalMatches(s.charAt(at + i), literal.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static final String[] CONTRACTIONS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};

    /** Receives the pieces of a split: s[start, end), or a special token's id. */
    private interface PieceSink {
        void piece(String s, int start, int end);

        void special(int id);
    }

    /** Splits cleaned text as the pattern does (see the class comment), in order. */
    private static void split(String s, PieceSink sink) {
        final int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '<') {
                int matched = -1;
                for (int k = 0; k < SPECIAL_STRINGS.size(); k++) {
                    if (literalAt(s, i, SPECIAL_STRINGS.get(k))) {
                        matched = k;
                        break;
                    }
                }
                if (matched >= 0) {
                    int end = i + SPECIAL_STRINGS.get(matched).length();
                    if (s.startsWith(SPECIAL_STRINGS.get(matched), i)) {
                        sink.special(FIRST_SPECIAL + matched);
                    } else {
                        sink.piece(s, i, end); // e.g. <ſtart_of_text>: one piece, not the special id
                    }
                    i = end;
                    continue;
                }
            } else if (c == '\'') {
                int len = 0;
                for (String con : CONTRACTIONS) {
                    if (literalAt(s, i, con)) {
                        len = con.length();
                        break;
                    }
                }
                if (len > 0) {
                    sink.piece(s, i, i + len);
                    i += len;
                    continue;
                }
            }
            int cp = c;
            int w = 1;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(i + 1));
                w = 2;
            }
            byte cls = classAt(cp);
            switch (cls) {
                case SPACE, NONE -> i += w;
                case NUMBER -> {
                    sink.piece(s, i, i + w);
                    i += w;
                }
                default -> { // a run of LETTER or of OTHER
                    int j = i + w;
                    while (j < n) {
                        char d = s.charAt(j);
                        int cp2 = d;
                        int w2 = 1;
                        if (Character.isHighSurrogate(d) && j + 1 < n && Character.isLowSurrogate(s.charAt(j + 1))) {
                            cp2 = Character.toCodePoint(d, s.charAt(j + 1));
                            w2 = 2;
                        }
                        if (classAt(cp2) != cls) {
                            break;
                        }
                        j += w2;
                    }
                    sink.piece(s, i, j);
                    i = j;
                }
            }
        }
    }

    /**
     * The pieces {@code re.findall(pat, text)} gives for already cleaned text (special strings
     * included as pieces).
     */
    public static List<String> preTokenize(String cleaned) {
        List<String> out = new ArrayList<>();
        split(cleaned, new PieceSink() {
            @Override
            public void piece(String s, int start, int end) {
                out.add(s.substring(start, end));
            }

            @Override
            public void special(int id) {
                out.add(SPECIAL_STRINGS.get(id - FIRST_SPECIAL));
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- encoding

    /** A growable int array: the ids of one encode call. */
    private final class Encoder implements PieceSink {
        int[] ids;
        int size;

        Encoder(int capacity) {
            ids = new int[Math.max(8, capacity)];
        }

        private void ensure(int extra) {
            if (size + extra > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + extra));
            }
        }

        @Override
        public void special(int id) {
            ensure(1);
            ids[size++] = id;
        }

        @Override
        public void piece(String s, int start, int end) {
            if (end - start == 1 && s.charAt(start) < 0x80) {
                // one ASCII char: its end-of-word byte token, no merge applies to a single symbol
                ensure(1);
                ids[size++] = 256 + BYTE_ID[s.charAt(start)];
                return;
            }
            int hash = WordCache.hash(s, start, end);
            int[] word = cache.get(s, start, end, hash);
            if (word == null) {
                word = bpe(s, start, end);
                cache.put(s.substring(start, end), hash, word);
            }
            ensure(word.length);
            System.arraycopy(word, 0, ids, size, word.length);
            size += word.length;
        }
    }

    @Override
    public int[] encode(String text) {
        String cleaned = clean(text);
        Encoder enc = new Encoder(cleaned.length() / 3 + 4);
        split(cleaned, enc);
        return Arrays.copyOf(enc.ids, enc.size);
    }

    /** Byte-level BPE of the piece s[start, end): the reference's {@code bpe} then the encoder lookup. */
    private int[] bpe(String s, int start, int end) {
        byte[] bytes = utf8(s, start, end);
        int n = bytes.length;
        int[] sym = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = BYTE_ID[bytes[i] & 0xFF];
        }
        sym[n - 1] += 256; // the last byte carries </w>
        while (n > 1) {
            int best = NO_RANK;
            for (int i = 0; i < n - 1; i++) {
                int r = pairs.get(sym[i], sym[i + 1]);
                if (r < best) {
                    best = r;
                }
            }
            if (best == NO_RANK) {
                break;
            }
            int a = mergeLeft[best];
            int b = mergeRight[best];
            int m = mergedId[best];
            int w = 0;
            for (int i = 0; i < n; ) {
                if (i < n - 1 && sym[i] == a && sym[i + 1] == b) {
                    sym[w++] = m;
                    i += 2;
                } else {
                    sym[w++] = sym[i++];
                }
            }
            n = w;
        }
        return Arrays.copyOf(sym, n);
    }

    /** UTF-8 of s[start, end); an unpaired surrogate becomes U+FFFD. */
    private static byte[] utf8(String s, int start, int end) {
        byte[] out = new byte[(end - start) * 3];
        int k = 0;
        for (int i = start; i < end; i++) {
            int c = s.charAt(i);
            if (Character.isSurrogate((char) c)) {
                if (Character.isHighSurrogate((char) c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                    c = Character.toCodePoint((char) c, s.charAt(++i));
                } else {
                    c = 0xFFFD;
                }
            }
            if (c < 0x80) {
                out[k++] = (byte) c;
            } else if (c < 0x800) {
                out[k++] = (byte) (0xC0 | (c >> 6));
                out[k++] = (byte) (0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                out[k++] = (byte) (0xE0 | (c >> 12));
                out[k++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[k++] = (byte) (0x80 | (c & 0x3F));
            } else {
                out[k++] = (byte) (0xF0 | (c >> 18));
                out[k++] = (byte) (0x80 | ((c >> 12) & 0x3F));
                out[k++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[k++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return Arrays.copyOf(out, k);
    }

    // ---------------------------------------------------------------- decoding and vocabulary

    @Override
    public String decode(int[] ids) {
        int end = specialTokens().unpaddedLength(ids);
        int total = 0;
        for (int i = 0; i < end; i++) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("id " + id + " at " + i + " is outside the vocabulary [0, " + VOCAB_SIZE + ")");
            }
            total += idBytes[id].length;
        }
        byte[] bytes = new byte[total];
        int k = 0;
        for (int i = 0; i < end; i++) {
            byte[] b = idBytes[ids[i]];
            System.arraycopy(b, 0, bytes, k, b.length);
            k += b.length;
        }
        return Utf8.decode(bytes, bytes.length).replace(EOW, " ");
    }

    /** The token string of an id (CLIP's byte characters, with {@code </w>} on word ends). */
    public String token(int id) {
        return vocab[id];
    }

    /** The id of a token string, or -1. */
    public int id(String token) {
        Integer id = encoder.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public SpecialTokens specialTokens() {
        return SpecialTokens.CLIP;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + source + "]";
    }

    /** (left id, right id) to merge rank, open addressing over int keys (ids < 2^16), no boxing. */
    private static final class PairTable {
        private final int[] keys;
        private final int[] ranks;
        private final int mask;

        PairTable(int expected) {
            int cap = Integer.highestOneBit(expected * 3) << 1;
            keys = new int[cap];
            ranks = new int[cap];
            Arrays.fill(keys, -1);
            mask = cap - 1;
        }

        private int slot(int key) {
            int h = key * 0x9E3779B1;
            return (h ^ (h >>> 15)) & mask;
        }

        void put(int a, int b, int rank) {
            int key = (a << 16) | b;
            int i = slot(key);
            while (keys[i] != -1 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            ranks[i] = rank;
        }

        int get(int a, int b) {
            int key = (a << 16) | b;
            int i = slot(key);
            while (true) {
                int k = keys[i];
                if (k == key) {
                    return ranks[i];
                }
                if (k == -1) {
                    return NO_RANK;
                }
                i = (i + 1) & mask;
            }
        }
    }
}
