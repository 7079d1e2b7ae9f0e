package org.lcl.models.data.tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Tokenizers by name: {@code clip} (CLIP's BPE + LCL's tokens, needs the vocabulary file) or {@code gpt2} (no file). */
public final class Tokenizers {

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("clip", "gpt2");

    private Tokenizers() {
    }

    /**
     * A tokenizer by name. {@code clip}: {@link ClipTokenizer}, its vocabulary from
     * {@code vocabOrNull}, else as {@link ClipTokenizer#resolveVocab} finds it. {@code gpt2}:
     * {@link Gpt2Tokenizer} ({@code vocabOrNull} must be null: it reads no file).
     *
     * @throws IllegalArgumentException for an unknown name, a missing vocabulary, or a vocabulary given to gpt2
     */
    public static Tokenizer create(String name, Path vocabOrNull) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "clip" -> ClipTokenizer.load(vocabOrNull);
            case "gpt2" -> {
                if (vocabOrNull != null) {
                    throw new IllegalArgumentException("the gpt2 tokenizer reads no vocabulary file (got " + vocabOrNull
                            + "); its BPE tables ship with the jtokkit library");
                }
                yield Gpt2Tokenizer.get();
            }
            default -> throw new IllegalArgumentException("unknown tokenizer '" + name + "': expected one of " + NAMES);
        };
    }
}
