package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** PyFormat against CPython's own format() for edge cases and random values of every magnitude. */
class PyFormatTest {

    static final double[] EDGES = {
        0.0, -0.0, 1.0, -1.0, 1234.5, 0.1, 12345678.0, 1e-5, 1.5e-5, 123456.5, 999999.5, 9.999995,
        99999.95, 0.0001, 0.00009999995, 0.000099999, 1e16, 1e300, -3.7e-200, Double.MIN_VALUE,
        Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5, 1.5,
        2.5, -2.5, 0.125, 0.375, 1.0005, 2.675, 0.0005, 5e-4, 1e-6, 14.2857, 100.0, 99.5, 100.5, 1e6,
        1e5, 123456.0, 1234567.0, 0.00012345678, 4.999995, 7.0 / 3.0, 1e-4 / 3, 2048.0, 0.0049999};

    /** Python spec → the Java formatting under test. */
    record Spec(String python, java.util.function.DoubleFunction<String> java) {}

    static final List<Spec> SPECS = List.of(
            new Spec(".0f", x -> PyFormat.fixed(x, 0)),
            new Spec(".3f", x -> PyFormat.fixed(x, 3)),
            new Spec("5f", x -> PyFormat.padLeft(PyFormat.fixed(x, 6), 5)),
            new Spec("#g", x -> PyFormat.general(x)),
            new Spec("#.5g", x -> PyFormat.general(x, 5, true)),
            new Spec(".5g", x -> PyFormat.general(x, 5, false)),
            new Spec("g", x -> PyFormat.general(x, 6, false)),
            new Spec("#.1g", x -> PyFormat.general(x, 1, true)),
            new Spec(".1g", x -> PyFormat.general(x, 1, false)),
            new Spec("#.0g", x -> PyFormat.general(x, 0, true)),
            new Spec(".3g", x -> PyFormat.general(x, 3, false)));

    @Test
    void matchesPythonOnEdgeCases() throws Exception {
        compare(EDGES);
    }

    @Test
    void matchesPythonOnRandomValues() throws Exception {
        Random random = new Random(20240607);
        double[] values = new double[400];
        for (int i = 0; i < values.length; i++) {
            // Every decade from 1e-12 to 1e12, some values rounded to few digits to hit ties.
            double v = Math.pow(10, random.nextDouble() * 24 - 12) * (random.nextBoolean() ? 1 : -1);
            values[i] = i % 3 == 0 ? Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3g", v)) : v;
        }
        compare(values);
    }

    private static void compare(double[] values) throws Exception {
        List<String> args = new ArrayList<>();
        SPECS.forEach(s -> args.add(s.python()));
        args.add("--");
        for (double v : values) {
            args.add(PythonReference.hex(v));
        }
        List<String> expected = PythonReference.run("""
                import sys
                a = sys.argv[1:]
                specs, xs = a[:a.index('--')], [float.fromhex(s) for s in a[a.index('--') + 1:]]
                for x in xs:
                    for s in specs:
                        print(format(x, s))
                """, args);
        int k = 0;
        for (double v : values) {
            for (Spec s : SPECS) {
                assertEquals(expected.get(k++), s.java().apply(v), () -> "format(" + v + ", '" + s.python() + "')");
            }
        }
        assertEquals(expected.size(), k);
    }

    @Test
    void briefExamples() {
        // The examples quoted in the issue, as Python 3 prints them.
        assertEquals("1234.50", PyFormat.general(1234.5));
        assertEquals("0.10000", PyFormat.general(0.1, 5, true));
        assertEquals("1.23457e+07", PyFormat.general(12345678.0));
    }
}
