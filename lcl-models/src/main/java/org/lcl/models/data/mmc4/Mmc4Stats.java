package org.lcl.models.data.mmc4;

import org.lcl.models.data.webdataset.SkipReason;
import org.lcl.models.data.webdataset.WebDatasetStats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MMC4 pipeline, shared by its workers (thread-safe). Image-level skips go to
 * the project's {@link WebDatasetStats} ({@link #images()}): a missing or unreadable image file
 * is {@link SkipReason#MISSING_IMAGE}, and the image loader reports {@link SkipReason#IMAGE_DECODE}
 * into the same object. Document-level events (malformed JSON lines, damaged shards, redraws)
 * are counted here, each warned (malformed lines and redraws rate-limited as the WebDataset
 * counters are: the first, then every 1000th).
 */
public final class Mmc4Stats {

    private static final System.Logger LOG = System.getLogger(Mmc4Stats.class.getName());
    private static final long LOG_EVERY = 1000;

    private final WebDatasetStats images = new WebDatasetStats();
    private final LongAdder shardsOpened = new LongAdder();
    private final LongAdder shardsCompleted = new LongAdder();
    private final LongAdder shardsDamaged = new LongAdder();
    private final LongAdder documentsRead = new LongAdder();
    private final LongAdder malformedLines = new LongAdder();
    private final LongAdder documentsNoImage = new LongAdder();
    private final LongAdder documentsCutToNoImage = new LongAdder();
    private final LongAdder samplesYielded = new LongAdder();
    private final LongAdder imagesBelowThreshold = new LongAdder();
    private final LongAdder imagesSameSentence = new LongAdder();
    private final LongAdder imagesOverMax = new LongAdder();
    private final LongAdder imagesBadIndex = new LongAdder();
    private final LongAdder imagesTruncated = new LongAdder();
    private final LongAdder imagesKept = new LongAdder();
    private final LongAdder documentsNoDecodableImage = new LongAdder();

    /** Image-level skips in the project's WebDataset counters (missing files here, decode failures from the loader). */
    public WebDatasetStats images() {
        return images;
    }

    /** A point-in-time copy. */
    public record Snapshot(long shardsOpened, long shardsCompleted, long shardsDamaged, long documentsRead,
                           long malformedLines, long documentsNoImage, long documentsCutToNoImage, long samplesYielded,
                           long imagesBelowThreshold, long imagesSameSentence, long imagesOverMax, long imagesBadIndex,
                           long imagesMissing, long imagesTruncated, long imagesKept, long imagesUndecodable,
                           long documentsNoDecodableImage) {
    }

    public Snapshot snapshot() {
        return new Snapshot(shardsOpened.sum(), shardsCompleted.sum(), shardsDamaged.sum(), documentsRead.sum(),
                malformedLines.sum(), documentsNoImage.sum(), documentsCutToNoImage.sum(), samplesYielded.sum(),
                imagesBelowThreshold.sum(), imagesSameSentence.sum(), imagesOverMax.sum(), imagesBadIndex.sum(),
                images.snapshot().skipped(SkipReason.MISSING_IMAGE), imagesTruncated.sum(), imagesKept.sum(),
                images.snapshot().skipped(SkipReason.IMAGE_DECODE), documentsNoDecodableImage.sum());
    }

    /** The skips by reason, non-zero counts only, for {@code BatchSource.skipped()}. */
    public Map<String, Long> skipped() {
        Snapshot s = snapshot();
        Map<String, Long> out = new LinkedHashMap<>();
        putIfPositive(out, "malformed document line", s.malformedLines());
        putIfPositive(out, "damaged shard", s.shardsDamaged());
        putIfPositive(out, "document without a usable image", s.documentsNoImage());
        putIfPositive(out, "document left without an image by truncation", s.documentsCutToNoImage());
        putIfPositive(out, "document without a decodable image", s.documentsNoDecodableImage());
        putIfPositive(out, "image file missing", s.imagesMissing());
        putIfPositive(out, "image does not decode", s.imagesUndecodable());
        return out;
    }

    private static void putIfPositive(Map<String, Long> m, String key, long n) {
        if (n > 0) {
            m.put(key, n);
        }
    }

    void shardOpened() {
        shardsOpened.increment();
    }

    void shardCompleted() {
        shardsCompleted.increment();
    }

    void shardDamaged(String shard, long linesBefore, String why) {
        shardsDamaged.increment();
        LOG.log(System.Logger.Level.WARNING, "skipping the rest of MMC4 shard " + shard + " after " + linesBefore
                + " lines: " + why + " (" + shardsDamaged.sum() + " damaged shards so far)");
    }

    void documentRead() {
        documentsRead.increment();
    }

    void malformedLine(String source, String why) {
        malformedLines.increment();
        long n = malformedLines.sum();
        if (n == 1 || n % LOG_EVERY == 0) {
            LOG.log(System.Logger.Level.WARNING, "skipped " + n + " malformed MMC4 lines so far; most recent: "
                    + source + ": " + why);
        }
    }

    void noImage() {
        documentsNoImage.increment();
    }

    void cutToNoImage() {
        documentsCutToNoImage.increment();
    }

    void yielded(int kept) {
        samplesYielded.increment();
        imagesKept.add(kept);
    }

    void belowThreshold(int n) {
        imagesBelowThreshold.add(n);
    }

    void sameSentence(int n) {
        imagesSameSentence.add(n);
    }

    void overMax(int n) {
        imagesOverMax.add(n);
    }

    void badIndex(int n) {
        imagesBadIndex.add(n);
    }

    void truncated(int n) {
        imagesTruncated.add(n);
    }

    void missingImage(String source, String name, String detail) {
        images.skip(SkipReason.MISSING_IMAGE, source, name, detail);
    }

    /** An image of a built sequence did not decode (the image loader dropped it from its document). */
    public void undecodableImage(String source, String name, String detail) {
        images.skip(SkipReason.IMAGE_DECODE, source, name, detail);
        imagesKept.decrement();
    }

    /** No image of a built sequence decoded: the image loader drew the next document instead. */
    public void noDecodableImage() {
        documentsNoDecodableImage.increment();
        samplesYielded.decrement();
    }

    /** One line for the training log. */
    public String summary() {
        Snapshot s = snapshot();
        return "mmc4: " + s.samplesYielded() + " sequences from " + s.documentsRead() + " documents ("
                + s.documentsNoImage() + " without a usable image, " + s.documentsCutToNoImage()
                + " left without an image by truncation, " + s.malformedLines() + " malformed lines); images kept "
                + s.imagesKept() + ", dropped: below similarity " + s.imagesBelowThreshold() + ", same sentence "
                + s.imagesSameSentence() + ", over the maximum " + s.imagesOverMax() + ", bad sentence index "
                + s.imagesBadIndex() + ", missing file " + s.imagesMissing() + ", cut by truncation "
                + s.imagesTruncated() + ", not decodable " + s.imagesUndecodable() + " (" + s.documentsNoDecodableImage()
                + " documents left without an image by that); shards opened " + s.shardsOpened() + ", completed " + s.shardsCompleted()
                + ", damaged " + s.shardsDamaged();
    }

    @Override
    public String toString() {
        return summary();
    }
}
