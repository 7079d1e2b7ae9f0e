package org.lcl.models.eval;

import java.util.Arrays;

/**
 * Where the right answer ranks among scores. Ties go to the lower index, as torch's argmax and
 * topk on CPU: the rank of the target is the number of entries scoring higher plus the number
 * scoring the same at a lower index (0 = first).
 */
public final class Ranks {

    private Ranks() {
    }

    /** The 0-based rank of entry target among {@code scores[offset + j * stride]}, j in [0, count). */
    public static int rankOf(float[] scores, int offset, int stride, int count, int target) {
        float t = scores[offset + target * stride];
        if (Float.isNaN(t)) {
            return count - 1;  // a NaN score never matches
        }
        int rank = 0;
        for (int j = 0; j < count; j++) {
            float s = scores[offset + j * stride];
            if (s > t || (s == t && j < target)) {
                rank++;
            }
        }
        return rank;
    }

    /** The 0-based rank of each row's target among the row's entries; scores is [rows, cols] row-major. */
    public static int[] rowRanks(float[] scores, int rows, int cols, int[] targets) {
        int[] r = new int[rows];
        for (int i = 0; i < rows; i++) {
            r[i] = rankOf(scores, i * cols, 1, cols, targets[i]);
        }
        return r;
    }

    /** The fraction of ranks below k (recall@k, or top-k accuracy). */
    public static double recallAt(int[] ranks, int k) {
        int hits = 0;
        for (int r : ranks) {
            if (r < k) {
                hits++;
            }
        }
        return ranks.length == 0 ? Double.NaN : (double) hits / ranks.length;
    }

    /** The mean 1-based rank. */
    public static double meanRank(int[] ranks) {
        return ranks.length == 0 ? Double.NaN : Arrays.stream(ranks).average().orElseThrow() + 1;
    }

    /**
     * The median 1-based rank as OpenCLIP's {@code get_clip_metrics}: {@code floor(np.median(ranks)) + 1}
     * over 0-based ranks (numpy's median averages the middle two of an even count).
     */
    public static double medianRank(int[] ranks) {
        if (ranks.length == 0) {
            return Double.NaN;
        }
        int[] s = ranks.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return Math.floor(s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2.0) + 1;
    }
}
