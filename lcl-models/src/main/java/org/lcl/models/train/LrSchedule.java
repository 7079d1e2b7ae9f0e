package org.lcl.models.train;

/**
 * OpenCLIP's learning-rate schedules ({@code --lr-scheduler}), evaluated every optimiser step
 * before the step. Warmup is linear: lr = base·(step+1)/warmup for step &lt; warmup.
 */
public sealed interface LrSchedule permits LrSchedule.Cosine, LrSchedule.Const, LrSchedule.ConstCooldown {

    /** The learning rate at optimiser step {@code step} (0-based). */
    double lr(long step);

    /** Cosine decay to 0 over total − warmup steps after the warmup. */
    record Cosine(double base, long warmup, long total) implements LrSchedule {
        @Override
        public double lr(long step) {
            if (step < warmup) {
                return warmupLr(base, warmup, step);
            }
            long e = step - warmup;
            long es = total - warmup;
            return 0.5 * (1 + Math.cos(Math.PI * e / es)) * base;
        }
    }

    /** Constant after the warmup. */
    record Const(double base, long warmup) implements LrSchedule {
        @Override
        public double lr(long step) {
            return step < warmup ? warmupLr(base, warmup, step) : base;
        }
    }

    /**
     * Constant after the warmup, then for the last {@code cooldown} steps
     * lr = (1 − e/es)^power·(base − end) + end with e the step within the cooldown and es its length.
     */
    record ConstCooldown(double base, long warmup, long total, long cooldown, double power, double end) implements LrSchedule {
        @Override
        public double lr(long step) {
            long start = total - cooldown;
            if (step < warmup) {
                return warmupLr(base, warmup, step);
            }
            if (step < start) {
                return base;
            }
            long e = step - start;
            long es = total - start;
            double decay = Math.pow(1 - (double) e / es, power);
            return decay * (base - end) + end;
        }
    }

    /**
     * The schedule {@code --lr-scheduler name} selects; total is (batches per epoch // accum)·epochs
     * and cooldown is (batches per epoch // accum)·epochs_cooldown.
     */
    static LrSchedule of(String name, double base, long warmup, long total, long cooldown, double power, double end) {
        return switch (name) {
            case "cosine" -> new Cosine(base, warmup, total);
            case "const" -> new Const(base, warmup);
            case "const-cooldown" -> {
                if (cooldown <= 0) {
                    throw new IllegalArgumentException("--lr-scheduler const-cooldown needs --epochs-cooldown > 0");
                }
                yield new ConstCooldown(base, warmup, total, cooldown, power, end);
            }
            default -> throw new IllegalArgumentException("unknown --lr-scheduler " + name + "; one of cosine, const, const-cooldown");
        };
    }

    private static double warmupLr(double base, long warmup, long step) {
        return base * (step + 1) / warmup;
    }
}
