package org.lcl.models.data.webdataset;

import java.util.Arrays;
import java.util.Iterator;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;

/**
 * LCL's paired-to-sequence wrapper ({@code --use-interleaved-wrapper}; lcl-spec.md, "Sequences
 * from paired data"): text = tokenizer.encode(caption) without sot/eot, truncated to
 * ctx − N − 4 tokens; img = [soi] + [img]·N + [eoi]; with probability {@code imgFirstProb}
 * the sequence is {@code img + text + [eot]}, otherwise {@code [sot] + text + img}; zero-padded
 * to ctx. The draw is {@code u < imgFirstProb} with u uniform in [0, 1), as the reference's
 * {@code random.random() < img_first_prob}, from a generator seeded per worker stream, so a
 * run's sequences are reproducible. Immutable and thread-safe (the generator is passed in).
 */
public final class InterleavedWrapper {

    private final Tokenizer tokenizer;
    private final SpecialTokens special;
    private final int contextLength;
    private final int numImageTokens;
    private final int textLength;
    private final double imageFirstProb;

    /**
     * @param contextLength {@code --interleaved-context-length} (128 for B/32 on LAION)
     * @param numImageTokens {@code --num-img-token} (49 for B/32)
     * @param imageFirstProb {@code --img-first-prob} (0.5)
     */
    public InterleavedWrapper(Tokenizer tokenizer, int contextLength, int numImageTokens, double imageFirstProb) {
        if (numImageTokens < 0) {
            throw new IllegalArgumentException("--num-img-token must be >= 0, got " + numImageTokens);
        }
        if (contextLength - numImageTokens - 4 < 0) {
            throw new IllegalArgumentException("--interleaved-context-length " + contextLength + " leaves no room for "
                    + numImageTokens + " image tokens plus sot, eot, soi, eoi (needs at least " + (numImageTokens + 4) + ")");
        }
        if (!(imageFirstProb >= 0 && imageFirstProb <= 1)) {
            throw new IllegalArgumentException("--img-first-prob must be in [0, 1], got " + imageFirstProb);
        }
        this.tokenizer = tokenizer;
        this.special = tokenizer.specialTokens();
        this.contextLength = contextLength;
        this.numImageTokens = numImageTokens;
        this.textLength = contextLength - numImageTokens - 4;
        this.imageFirstProb = imageFirstProb;
    }

    public int contextLength() {
        return contextLength;
    }

    public int numImageTokens() {
        return numImageTokens;
    }

    /** Caption tokens kept at most: ctx − N − 4 (75 for ctx 128, N 49). */
    public int textLength() {
        return textLength;
    }

    public double imageFirstProb() {
        return imageFirstProb;
    }

    /** Draws the order for one sample: true (image first) with probability imageFirstProb. */
    public boolean drawImageFirst(Rng rng) {
        return rng.nextDouble() < imageFirstProb;
    }

    /** The ids of a caption in the given order (no randomness). */
    public int[] sequence(String caption, boolean imageFirst) {
        int[] text = tokenizer.encode(caption);
        return sequence(text, imageFirst);
    }

    private int[] sequence(int[] text, boolean imageFirst) {
        int n = Math.min(text.length, textLength);
        int[] out = new int[contextLength]; // zeros: padding id 0
        int p = 0;
        if (imageFirst) {
            p = putImage(out, p);
            System.arraycopy(text, 0, out, p, n);
            p += n;
            out[p] = special.endOfText();
        } else {
            out[p++] = special.startOfText();
            System.arraycopy(text, 0, out, p, n);
            p += n;
            putImage(out, p);
        }
        return out;
    }

    private int putImage(int[] out, int p) {
        out[p++] = special.startOfImage();
        Arrays.fill(out, p, p + numImageTokens, special.imagePlaceholder());
        p += numImageTokens;
        out[p++] = special.endOfImage();
        return p;
    }

    /** Wraps one sample, drawing its order from rng. */
    public PairedSequence wrap(WdsSample sample, Rng rng) {
        boolean imageFirst = drawImageFirst(rng);
        int[] text = tokenizer.encode(sample.caption());
        return new PairedSequence(sample.key(), sequence(text, imageFirst), imageFirst, Math.min(text.length, textLength),
                sample.imageExt(), sample.image());
    }

    /**
     * Wraps a worker's stream; the order draws come from a generator seeded with
     * (seed, epoch, rank, worker), so they are reproducible. Closing the stream is the caller's.
     */
    public Iterator<PairedSequence> wrap(WorkerStream stream) {
        Rng rng = new Rng(stream.seed(WebDataset.SALT_WRAPPER));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return stream.hasNext();
            }

            @Override
            public PairedSequence next() {
                return wrap(stream.next(), rng);
            }
        };
    }
}
