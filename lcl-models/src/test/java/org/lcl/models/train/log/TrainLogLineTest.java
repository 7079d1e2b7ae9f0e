package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.Test;
import org.lcl.models.train.log.TrainLogLine.Loss;

class TrainLogLineTest {

    /** OpenCLIP's train_one_epoch log statement (open_clip/src/training/train.py), fed argv. */
    static final String OPENCLIP_LINE = """
            import math, sys
            class AverageMeter:
                def __init__(self, val, avg): self.val, self.avg = val, avg
            a = [float.fromhex(s) for s in sys.argv[1:]]
            epoch, num_samples, samples_per_epoch = int(a[0]), int(a[1]), int(a[2])
            percent_complete, d, b, sps, sps_gpu, lr, logit_scale_scalar = a[3:10]
            data_time_m, batch_time_m = AverageMeter(0, d), AverageMeter(0, b)
            losses_m = {"contrastive_loss": AverageMeter(a[10], a[11]), "caption_loss": AverageMeter(a[12], a[13]),
                        "loss": AverageMeter(a[14], a[15])}
            sample_digits = math.ceil(math.log(samples_per_epoch + 1, 10))
            loss_log = " ".join(
                [
                    f"{loss_name.capitalize()}: {loss_m.val:#.5g} ({loss_m.avg:#.5g})"
                    for loss_name, loss_m in losses_m.items()
                ]
            )
            print(
                f"Train Epoch: {epoch} [{num_samples:>{sample_digits}}/{samples_per_epoch} ({percent_complete:.0f}%)] "
                f"Data (t): {data_time_m.avg:.3f} "
                f"Batch (t): {batch_time_m.avg:.3f}, {sps:#g}/s, {sps_gpu:#g}/s/gpu "
                f"LR: {lr:5f} "
                f"Logit Scale: {logit_scale_scalar:.3f} " + loss_log
            )
            """;

    static TrainLogLine line(double[] v, Map<String, Long> skipped) {
        SequencedMap<String, Loss> losses = new LinkedHashMap<>();
        losses.put("contrastive_loss", new Loss(v[10], v[11]));
        losses.put("caption_loss", new Loss(v[12], v[13]));
        return new TrainLogLine((int) v[0], (long) v[1], (long) v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
                losses, new Loss(v[14], v[15]), skipped);
    }

    @Test
    void matchesOpenClipsLogStatement() throws Exception {
        List<double[]> cases = List.of(
                // epoch, n, samples/epoch, pct, data, batch, sps, sps/gpu, lr, scale, 3 × (val, avg)
                new double[] {0, 2048, 400_000_000, 100.0 * 8 / 1_562_500, 0.0123, 0.4567, 4485.1, 560.64, 5e-4,
                    14.2857, 8.31234, 8.5, 10.1, 0.1, 18.41234, 18.6},
                new double[] {31, 400_000_000, 400_000_000, 100.0, 0.0005, 1.2345, 12345678.0, 1543209.75, 1e-6,
                    100.0, 0.0, 1e-5, 123456.5, 7.0 / 3, Double.NaN, Double.POSITIVE_INFINITY},
                new double[] {3, 512, 999, 50.5, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.5, 0.5, 1.5, 99999.95, 0.0001, 5},
                new double[] {7, 0, 1000, 0.0, 2.5005, 10.0, 1e-3, 123.0, 2.5e-7, 50.0, -0.0, 1e300, 3, 4, 5, 6});
        for (double[] c : cases) {
            List<String> args = new ArrayList<>();
            for (double x : c) {
                args.add(PythonReference.hex(x));
            }
            String expected = PythonReference.run(OPENCLIP_LINE, args).getFirst();
            assertEquals(expected, line(c, Map.of()).format());
        }
    }

    @Test
    void skippedCountsAreAppendedOnlyWhenNonzero() {
        double[] v = {1, 256, 1000, 25.6, 0.01, 0.2, 1280, 160, 1e-4, 20, 3, 3, 4, 4, 7, 7};
        String plain = line(v, Map.of()).format();
        Map<String, Long> zeros = new LinkedHashMap<>();
        zeros.put("image does not decode", 0L);
        assertEquals(plain, line(v, zeros).format());

        Map<String, Long> skipped = new LinkedHashMap<>();
        skipped.put("no image", 0L);
        skipped.put("image does not decode", 2L);
        skipped.put("no caption", 1L);
        assertEquals(plain + " Skipped: 3 (image does not decode: 2, no caption: 1)", line(v, skipped).format());
    }

    @Test
    void sampleDigitsAndCapitalizeMatchPython() throws Exception {
        List<Long> counts = new ArrayList<>(List.of(0L, 1L, 9L, 10L, 11L, 99L, 100L, 999L, 1000L, 400_000_000L));
        for (long p = 10; p <= 1_000_000_000_000_000_000L && p > 0; p *= 10) {
            counts.add(p - 2);
            counts.add(p - 1);
            counts.add(p);
        }
        List<String> names = List.of("contrastive_loss", "caption_loss", "loss", "MyLoss", "lCL_LOSS", "ǆx");
        List<String> args = new ArrayList<>(names);
        args.add("--");
        counts.forEach(n -> args.add(Long.toString(n)));
        List<String> expected = PythonReference.run("""
                import math, sys
                a = sys.argv[1:]
                for s in a[:a.index('--')]: print(s.capitalize())
                for n in a[a.index('--') + 1:]: print(math.ceil(math.log(int(n) + 1, 10)))
                """, args);
        int k = 0;
        for (String name : names) {
            assertEquals(expected.get(k++), TrainLogLine.capitalize(name), name);
        }
        for (long n : counts) {
            assertEquals(Integer.parseInt(expected.get(k++)), TrainLogLine.sampleDigits(n), "sample_digits for " + n);
        }
    }

    @Test
    void averageMeterWeightsByCount() {
        AverageMeter m = new AverageMeter();
        m.update(2.0, 3);
        m.update(6.0);
        assertEquals(6.0, m.val());
        assertEquals(12.0, m.sum());
        assertEquals(4, m.count());
        assertEquals(3.0, m.avg());
        m.reset();
        assertEquals(0, m.count());
        assertEquals(0.0, m.avg());
        AverageMeter nan = new AverageMeter();
        nan.update(Double.NaN);
        assertTrue(Double.isNaN(nan.avg()));
    }
}
