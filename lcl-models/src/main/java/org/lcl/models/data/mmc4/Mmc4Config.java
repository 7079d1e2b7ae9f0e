package org.lcl.models.data.mmc4;

import java.nio.file.Path;

/**
 * Settings of the MMC4 pipeline.
 *
 * @param root                   ROOT (holding data/ and images/)
 * @param contextLength          sequence length (2048)
 * @param numImageTokens         placeholders per image, N (49 for B/32)
 * @param maxImages              images kept per document (6)
 * @param minSimilarity          matched_sim threshold (0.24)
 * @param imageBeforeProbability probability an image goes before its sentence (0.5)
 * @param seed                   {@code --seed}
 * @param globalDistributed      {@code --data-global-distributed}: rank r reads shards with i % world == r;
 *                               otherwise every rank reads every shard (in its own order)
 * @param shuffleBuffer          documents held in each worker's shuffle buffer (1 = file order)
 */
public record Mmc4Config(Path root, int contextLength, int numImageTokens, int maxImages, double minSimilarity,
                         double imageBeforeProbability, long seed, boolean globalDistributed, int shuffleBuffer) {

    public static final int DEFAULT_CONTEXT_LENGTH = 2048;
    public static final int DEFAULT_NUM_IMAGE_TOKENS = 49;
    public static final int DEFAULT_MAX_IMAGES = 6;
    public static final double DEFAULT_MIN_SIMILARITY = 0.24;
    public static final int DEFAULT_SHUFFLE_BUFFER = 1000;

    public Mmc4Config {
        if (root == null) {
            throw new IllegalArgumentException("root is required");
        }
        if (numImageTokens < 1 || maxImages < 1 || shuffleBuffer < 1) {
            throw new IllegalArgumentException("numImageTokens, maxImages and shuffleBuffer must be positive");
        }
        if (contextLength < numImageTokens + 4) {
            throw new IllegalArgumentException("context length " + contextLength + " cannot hold one image of "
                    + numImageTokens + " tokens with sot, soi, eoi and eot");
        }
        if (!(imageBeforeProbability >= 0 && imageBeforeProbability <= 1)) {
            throw new IllegalArgumentException("imageBeforeProbability must be in [0, 1]");
        }
    }

    /** The reference's MMC4 settings (LCL_ViT-B-32_mmc4) for ROOT. */
    public static Mmc4Config defaults(Path root, long seed) {
        return new Mmc4Config(root, DEFAULT_CONTEXT_LENGTH, DEFAULT_NUM_IMAGE_TOKENS, DEFAULT_MAX_IMAGES,
                DEFAULT_MIN_SIMILARITY, 0.5, seed, true, DEFAULT_SHUFFLE_BUFFER);
    }

    public Mmc4Config withContextLength(int ctx) {
        return new Mmc4Config(root, ctx, numImageTokens, maxImages, minSimilarity, imageBeforeProbability, seed,
                globalDistributed, shuffleBuffer);
    }

    public Mmc4Config withNumImageTokens(int n) {
        return new Mmc4Config(root, contextLength, n, maxImages, minSimilarity, imageBeforeProbability, seed,
                globalDistributed, shuffleBuffer);
    }

    public Mmc4Config withShuffleBuffer(int b) {
        return new Mmc4Config(root, contextLength, numImageTokens, maxImages, minSimilarity, imageBeforeProbability,
                seed, globalDistributed, b);
    }

    public Mmc4Config withGlobalDistributed(boolean g) {
        return new Mmc4Config(root, contextLength, numImageTokens, maxImages, minSimilarity, imageBeforeProbability,
                seed, g, shuffleBuffer);
    }

    public Path dataDir() {
        return root.resolve("data");
    }

    public Path imagesDir() {
        return root.resolve("images");
    }
}
