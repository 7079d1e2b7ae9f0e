package org.lcl.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void classificationMetricsByHand() {
        // 5 samples, 6 classes; rank of the true class worked out by hand per row
        float[] scores = {
            0.9f, 0.1f, 0.0f, 0.0f, 0.0f, 0.0f,   // label 0: rank 0
            0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f,   // label 5: rank 5 (last)
            0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f,   // label 2: rank 3
            0.5f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f,   // label 1: tied with class 0, lower index wins -> rank 1
            0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f,   // label 5: rank 0
        };
        int[] labels = {0, 5, 2, 1, 5};
        ClassificationMetrics m = ClassificationMetrics.of(scores, 5, 6, labels);
        assertEquals(2.0 / 5, m.acc1(), 1e-12);
        assertEquals(4.0 / 5, m.acc5(), 1e-12);
        // recall per present class: class 0 1/1, class 1 0/1, class 2 0/1, class 5 1/2 -> mean 1.5 / 4
        assertEquals(1.5 / 4, m.meanPerClassRecall(), 1e-12);
        assertEquals(5, m.samples());
    }

    @Test
    void topKIsCappedAtTheNumberOfClasses() {
        float[] scores = {0.1f, 0.9f, 0.2f, 0.8f};
        ClassificationMetrics m = ClassificationMetrics.of(scores, 2, 2, new int[] {0, 0});
        assertEquals(0.0, m.acc1());
        assertEquals(1.0, m.acc5());
    }

    @Test
    void rejectsMismatchedShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(new float[5], 2, 3, new int[2]));
        assertEquals(true, e.getMessage().contains("2 x 3"));
    }

    @Test
    void retrievalMetricsByHand() {
        // rows images, columns texts; the match of image i is text i
        float[] sim = {
            0.9f, 0.1f, 0.2f, 0.0f,   // image 0: text 0 first -> rank 0
            0.8f, 0.3f, 0.1f, 0.0f,   // image 1: text 1 second -> rank 1
            0.5f, 0.6f, 0.1f, 0.7f,   // image 2: text 2 last -> rank 3
            0.1f, 0.2f, 0.3f, 0.4f,   // image 3: text 3 first -> rank 0
        };
        RetrievalMetrics m = RetrievalMetrics.of(sim, 4);
        // image->text ranks {0, 1, 3, 0}
        assertEquals(0.5, m.imageToTextR1(), 1e-12);
        assertEquals(1.0, m.imageToTextR5(), 1e-12);
        assertEquals(1.0, m.imageToTextR10(), 1e-12);
        assertEquals(1 + 4.0 / 4, m.imageToTextMeanRank(), 1e-12);
        assertEquals(Math.floor(0.5) + 1, m.imageToTextMedianRank(), 1e-12);
        // text->image: column j, match row j. col 0 {0.9,0.8,0.5,0.1} -> 0; col 1 {0.1,0.3,0.6,0.2} -> rank of 0.3 = 1;
        // col 2 {0.2,0.1,0.1,0.3} -> rank of 0.1 at row 2: 0.2, 0.3 higher, 0.1 at row 1 tied lower index -> 3;
        // col 3 {0.0,0.0,0.7,0.4} -> rank of 0.4 = 1
        assertEquals(0.25, m.textToImageR1(), 1e-12);
        assertEquals(1 + 5.0 / 4, m.textToImageMeanRank(), 1e-12);
        assertEquals(Math.floor(1.0) + 1, m.textToImageMedianRank(), 1e-12);
        assertEquals(4, m.samples());
    }

    @Test
    void recallAtTenNeedsMoreThanTenCandidates() {
        int n = 12;
        float[] sim = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sim[i * n + j] = -j;  // every image prefers text 0, then 1, ...: image i's caption ranks i
            }
        }
        RetrievalMetrics m = RetrievalMetrics.of(sim, n);
        assertEquals(1.0 / 12, m.imageToTextR1(), 1e-12);
        assertEquals(5.0 / 12, m.imageToTextR5(), 1e-12);
        assertEquals(10.0 / 12, m.imageToTextR10(), 1e-12);
        assertEquals(6.5, m.imageToTextMeanRank(), 1e-12);
        assertEquals(Math.floor(5.5) + 1, m.imageToTextMedianRank(), 1e-12);
    }

    @Test
    void medianRankOfAnOddCount() {
        assertEquals(3.0, Ranks.medianRank(new int[] {9, 0, 2}));
    }

    @Test
    void cosineScheduleAsClipBenchmark() {
        CosineLr s = new CosineLr(0.1, 0, 100);
        assertEquals(0.1, s.lr(0), 1e-12);
        assertEquals(0.05, s.lr(50), 1e-12);
        assertEquals(0.1 * 0.5 * (1 + Math.cos(Math.PI * 0.99)), s.lr(99), 1e-12);
        CosineLr w = new CosineLr(0.1, 10, 110);
        assertEquals(0.01, w.lr(0), 1e-12);
        assertEquals(0.1, w.lr(10), 1e-12);
    }
}
