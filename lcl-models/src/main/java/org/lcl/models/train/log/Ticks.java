package org.lcl.models.train.log;

import java.util.ArrayList;
import java.util.List;

/** Axis ticks at "nice" multiples (1, 2 or 5 · 10^k) and their labels, for {@link LossPlot}. */
final class Ticks {

    private static final int TARGET_TICKS = 6;

    private Ticks() {}

    /** The nice step giving about {@value #TARGET_TICKS} ticks over [lo, hi]. */
    static double step(double lo, double hi) {
        double raw = (hi - lo) / TARGET_TICKS;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / magnitude;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * magnitude;
    }

    /** The multiples of {@code step} inside [lo, hi]. */
    static List<Double> values(double lo, double hi, double step) {
        List<Double> ticks = new ArrayList<>();
        for (long k = (long) Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) {
            ticks.add(k * step);
        }
        return ticks;
    }

    /**
     * A tick label: plain decimals (as many as the step needs) for magnitudes 1e-3 to 1e7,
     * else Python-style exponent form ({@code 5e-05}, {@code 1.5e+08}).
     */
    static String label(double v, double step) {
        if (Math.abs(v) < step * 1e-6) {
            return "0";
        }
        double abs = Math.abs(v);
        if (abs >= 1e-3 && abs < 1e7) {
            return PyFormat.fixed(v, decimals(step));
        }
        int digits = (int) (Math.floor(Math.log10(abs)) - Math.floor(Math.log10(step))) + 1;
        return PyFormat.general(v, Math.clamp(digits, 1, 6), false);
    }

    /** The fewest decimals that write {@code step} (and so every tick) exactly, at most 10. */
    private static int decimals(double step) {
        for (int d = 0; d < 10; d++) {
            double scaled = step * Math.pow(10, d);
            if (Math.abs(scaled - Math.rint(scaled)) < 1e-6 * scaled) {
                return d;
            }
        }
        return 10;
    }
}
