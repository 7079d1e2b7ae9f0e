package org.lcl.models.data.mmc4;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.webdataset.Rng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Turns one MMC4 document into an LCL sequence (lcl-spec.md, "Sequences from MMC4 documents"):
 * <ol>
 * <li>drop images with matched_sim &lt; {@code minSimilarity} (0.24);</li>
 * <li>sort the rest by matched_text_index (stable); where several match one sentence keep one,
 *     uniformly at random;</li>
 * <li>keep the first {@code maxImages} (6), then skip those whose file under ROOT/images is
 *     missing or unreadable (counted; decoding happens later, in the image loader);</li>
 * <li>no image left: empty (the caller draws another document);</li>
 * <li>per kept image, {@code " <start_of_img> " + "<img_placehold> "×N + "<end_of_img> "} is put
 *     before its sentence with probability {@code imageBeforeProbability} (0.5), else after;</li>
 * <li>sentences joined with single spaces, tokenized with sot/eot at ctx (2048), the last kept
 *     token being eot;</li>
 * <li>if truncation cut an image (count(img) ≠ N·count(soi)) the sequence is cut at the last
 *     soi, eot put there, the rest zeroed, surplus images dropped; no image left: empty.</li>
 * </ol>
 * Images whose matched_text_index is outside text_list are dropped as well (counted; the
 * reference would raise). Not thread-safe only through the {@link Rng} passed in.
 */
public final class Mmc4SequenceBuilder {

    private final Tokenizer tokenizer;
    private final SpecialTokens special;
    private final Path imagesDir;
    private final int contextLength;
    private final int numImageTokens;
    private final int maxImages;
    private final double minSimilarity;
    private final double imageBeforeProbability;
    private final Mmc4Stats stats;
    private final String imageString;

    public Mmc4SequenceBuilder(Tokenizer tokenizer, Path imagesDir, Mmc4Config config, Mmc4Stats stats) {
        this.tokenizer = tokenizer;
        this.special = tokenizer.specialTokens();
        this.imagesDir = imagesDir;
        this.contextLength = config.contextLength();
        this.numImageTokens = config.numImageTokens();
        this.maxImages = config.maxImages();
        this.minSimilarity = config.minSimilarity();
        this.imageBeforeProbability = config.imageBeforeProbability();
        this.stats = stats;
        this.imageString = imageString(numImageTokens);
    }

    /** {@code " <start_of_img> " + "<img_placehold> "×n + "<end_of_img> "}. */
    public static String imageString(int n) {
        return " <start_of_img> " + "<img_placehold> ".repeat(n) + "<end_of_img> ";
    }

    private record Kept(Mmc4Document.ImageInfo info, byte[] bytes) {
    }

    /** The sequence of a document, or empty when no image survives (the caller draws another document). */
    public Optional<Mmc4Sample> build(Mmc4Document doc, Rng rng) {
        int sentences = doc.textList().size();
        // 1. similarity threshold (and a sentence index that exists)
        List<Mmc4Document.ImageInfo> candidates = new ArrayList<>();
        int below = 0;
        int badIndex = 0;
        for (Mmc4Document.ImageInfo i : doc.images()) {
            if (!(i.matchedSim() >= minSimilarity)) {
                below++;
            } else if (i.matchedTextIndex() < 0 || i.matchedTextIndex() >= sentences) {
                badIndex++;
            } else {
                candidates.add(i);
            }
        }
        stats.belowThreshold(below);
        stats.badIndex(badIndex);
        // 2. sort by sentence; one image per sentence, chosen at random
        candidates.sort(Comparator.comparingInt(Mmc4Document.ImageInfo::matchedTextIndex));
        List<Mmc4Document.ImageInfo> onePerSentence = new ArrayList<>();
        for (int a = 0; a < candidates.size(); ) {
            int b = a + 1;
            while (b < candidates.size() && candidates.get(b).matchedTextIndex() == candidates.get(a).matchedTextIndex()) {
                b++;
            }
            onePerSentence.add(candidates.get(b - a == 1 ? a : a + rng.nextInt(b - a)));
            a = b;
        }
        stats.sameSentence(candidates.size() - onePerSentence.size());
        // 3. the first maxImages, then those that load
        if (onePerSentence.size() > maxImages) {
            stats.overMax(onePerSentence.size() - maxImages);
            onePerSentence = onePerSentence.subList(0, maxImages);
        }
        List<Kept> kept = new ArrayList<>();
        for (Mmc4Document.ImageInfo i : onePerSentence) {
            byte[] bytes = load(i.imageName(), doc.source());
            if (bytes != null) {
                kept.add(new Kept(i, bytes));
            }
        }
        // 4. nothing left
        if (kept.isEmpty()) {
            stats.noImage();
            return Optional.empty();
        }
        // 5. insert the image strings
        String[] text = doc.textList().toArray(new String[0]);
        for (Kept k : kept) {
            int s = k.info().matchedTextIndex();
            text[s] = rng.nextDouble() < imageBeforeProbability ? imageString + text[s] : text[s] + imageString;
        }
        // 6. join and tokenize
        int[] ids = tokenizer.tokenize(String.join(" ", text), contextLength);
        // 7. repair an image cut by truncation
        int imgCount = 0;
        int soiCount = 0;
        int lastSoi = -1;
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] == special.imagePlaceholder()) {
                imgCount++;
            } else if (ids[p] == special.startOfImage()) {
                soiCount++;
                lastSoi = p;
            }
        }
        int images = soiCount;
        if (imgCount != numImageTokens * soiCount && lastSoi < 0) {
            images = 0; // placeholders without any soi: only a sentence that spells the token strings does that
        } else if (imgCount != numImageTokens * soiCount) {
            ids[lastSoi] = special.endOfText();
            Arrays.fill(ids, lastSoi + 1, ids.length, SpecialTokens.PAD);
            images = soiCount - 1;
        }
        if (images < kept.size()) {
            stats.truncated(kept.size() - images);
            kept = kept.subList(0, images);
        }
        if (kept.isEmpty()) {
            stats.cutToNoImage();
            return Optional.empty();
        }
        List<String> names = new ArrayList<>(kept.size());
        List<byte[]> bytes = new ArrayList<>(kept.size());
        for (Kept k : kept) {
            names.add(k.info().imageName());
            bytes.add(k.bytes());
        }
        stats.yielded(kept.size());
        return Optional.of(new Mmc4Sample(ids, List.copyOf(names), List.copyOf(bytes), doc.source()));
    }

    private byte[] load(String name, String source) {
        Path p = imagesDir.resolve(name).normalize();
        if (name.isEmpty() || !p.startsWith(imagesDir.normalize())) {
            stats.missingImage(source, name, "image name outside ROOT/images");
            return null;
        }
        try {
            return Files.readAllBytes(p);
        } catch (IOException | SecurityException e) {
            stats.missingImage(source, name, Files.exists(p) ? "unreadable: " + e : "no file " + p);
            return null;
        }
    }
}
