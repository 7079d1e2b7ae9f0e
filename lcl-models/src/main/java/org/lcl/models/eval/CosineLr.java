package org.lcl.models.eval;

/**
 * CLIP_benchmark's {@code cosine_lr}: a linear warmup from base/warmup to base over warmup
 * steps, then {@code base * 0.5 * (1 + cos(pi * e / es))} with e = step - warmup and
 * es = steps - warmup, evaluated before each optimizer step (step counts from 0).
 */
public record CosineLr(double baseLr, int warmup, int steps) {

    public CosineLr {
        if (baseLr < 0 || warmup < 0 || steps <= 0) {
            throw new IllegalArgumentException("bad cosine schedule: lr " + baseLr + ", warmup " + warmup + ", steps " + steps);
        }
    }

    public double lr(int step) {
        if (step < warmup) {
            return baseLr * (step + 1) / warmup;
        }
        int e = step - warmup;
        int es = steps - warmup;
        return 0.5 * (1 + Math.cos(Math.PI * e / es)) * baseLr;
    }
}
