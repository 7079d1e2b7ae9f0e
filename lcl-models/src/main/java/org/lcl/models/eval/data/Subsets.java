package org.lcl.models.eval.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic sample selections: seeded class-balanced subsets and train/test splits. */
public final class Subsets {

    private Subsets() {
    }

    /**
     * At most n samples of split, class-balanced: each class's indices are shuffled with seed and
     * taken round-robin across classes (so every class gets n / classes samples, or all it has when
     * fewer), returned in ascending index order. The whole split when n is at least its size.
     */
    public static LabeledImages balanced(LabeledImages split, int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("sample limit must be >= 0, got " + n);
        }
        if (n >= split.size()) {
            return split;
        }
        List<List<Integer>> byClass = shuffledByClass(split, seed);
        int[] picked = new int[n];
        int count = 0;
        for (int round = 0; count < n; round++) {
            for (List<Integer> c : byClass) {
                if (round < c.size() && count < n) {
                    picked[count++] = c.get(round);
                }
            }
        }
        Arrays.sort(picked);
        return split.subset(picked);
    }

    /**
     * A seeded split of samples into train and test: in each class, a shuffled testFraction
     * (rounded, at least one when the class has two or more samples) goes to test.
     */
    public static Split split(LabeledImages all, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (List<Integer> c : shuffledByClass(all, seed)) {
            int nTest = c.size() < 2 ? 0 : Math.max(1, (int) Math.round(c.size() * testFraction));
            test.addAll(c.subList(0, nTest));
            train.addAll(c.subList(nTest, c.size()));
        }
        return new Split(all.subset(sorted(train)), all.subset(sorted(test)));
    }

    /** A train and a test split over the same classes. */
    public record Split(LabeledImages train, LabeledImages test) {
    }

    private static List<List<Integer>> shuffledByClass(LabeledImages split, long seed) {
        int classes = split.classes().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < split.size(); i++) {
            byClass.get(split.label(i)).add(i);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (List<Integer> c : byClass) {
            for (int i = c.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = c.get(i);
                c.set(i, c.get(j));
                c.set(j, t);
            }
        }
        return byClass;
    }

    private static int[] sorted(List<Integer> indices) {
        int[] a = indices.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }
}
