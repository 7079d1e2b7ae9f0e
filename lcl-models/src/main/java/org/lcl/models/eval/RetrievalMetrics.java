package org.lcl.models.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Image-text retrieval with one caption per image (pair i = image i + text i): for each image the
 * rank of its caption among all texts (image→text), and for each text the rank of its image among
 * all images (text→image); recall@1/5/10 and the mean and median 1-based rank of each direction.
 */
public record RetrievalMetrics(double imageToTextR1, double imageToTextR5, double imageToTextR10, double imageToTextMeanRank,
        double imageToTextMedianRank, double textToImageR1, double textToImageR5, double textToImageR10, double textToImageMeanRank,
        double textToImageMedianRank, int samples) {

    /** Metrics of similarities [n, n] row-major, row = image, column = text. */
    public static RetrievalMetrics of(float[] similarity, int n) {
        if (similarity.length != (long) n * n) {
            throw new IllegalArgumentException("similarity has " + similarity.length + " values, expected " + n + " x " + n);
        }
        if (n == 0) {
            throw new IllegalArgumentException("no pairs to score");
        }
        int[] i2t = new int[n];
        int[] t2i = new int[n];
        for (int i = 0; i < n; i++) {
            i2t[i] = Ranks.rankOf(similarity, i * n, 1, n, i);
            t2i[i] = Ranks.rankOf(similarity, i, n, n, i);
        }
        return new RetrievalMetrics(Ranks.recallAt(i2t, 1), Ranks.recallAt(i2t, 5), Ranks.recallAt(i2t, 10), Ranks.meanRank(i2t),
                Ranks.medianRank(i2t), Ranks.recallAt(t2i, 1), Ranks.recallAt(t2i, 5), Ranks.recallAt(t2i, 10), Ranks.meanRank(t2i),
                Ranks.medianRank(t2i), n);
    }

    /** The metrics by OpenCLIP's names (image_to_text_R@1, ...), for the results file. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image_to_text_R@1", imageToTextR1);
        m.put("image_to_text_R@5", imageToTextR5);
        m.put("image_to_text_R@10", imageToTextR10);
        m.put("image_to_text_mean_rank", imageToTextMeanRank);
        m.put("image_to_text_median_rank", imageToTextMedianRank);
        m.put("text_to_image_R@1", textToImageR1);
        m.put("text_to_image_R@5", textToImageR5);
        m.put("text_to_image_R@10", textToImageR10);
        m.put("text_to_image_mean_rank", textToImageMeanRank);
        m.put("text_to_image_median_rank", textToImageMedianRank);
        return m;
    }
}
