package org.lcl.models.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CLIP_benchmark's classification metrics: top-1 and top-5 accuracy (top-k with k = min(5,
 * classes)) and the mean per-class recall (sklearn's balanced_accuracy_score: the top-1 recall of
 * each class present in the labels, averaged), over {@code samples} samples.
 */
public record ClassificationMetrics(double acc1, double acc5, double meanPerClassRecall, int samples) {

    /** Metrics of scores [n, classes] row-major (logits or similarities) against labels. */
    public static ClassificationMetrics of(float[] scores, int n, int classes, int[] labels) {
        if (scores.length != (long) n * classes || labels.length != n) {
            throw new IllegalArgumentException("scores has " + scores.length + " values and labels " + labels.length + " for " + n + " x "
                    + classes);
        }
        if (n == 0) {
            throw new IllegalArgumentException("no samples to score");
        }
        int[] ranks = Ranks.rowRanks(scores, n, classes, labels);
        int[] perClass = new int[classes];
        int[] perClassHits = new int[classes];
        for (int i = 0; i < n; i++) {
            perClass[labels[i]]++;
            if (ranks[i] == 0) {
                perClassHits[labels[i]]++;
            }
        }
        double recallSum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            if (perClass[c] > 0) {
                recallSum += (double) perClassHits[c] / perClass[c];
                present++;
            }
        }
        return new ClassificationMetrics(Ranks.recallAt(ranks, 1), Ranks.recallAt(ranks, Math.min(5, classes)), recallSum / present, n);
    }

    /** The metrics by CLIP_benchmark's names, for the results file. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("acc1", acc1);
        m.put("acc5", acc5);
        m.put("mean_per_class_recall", meanPerClassRecall);
        return m;
    }
}
