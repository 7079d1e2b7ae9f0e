package org.lcl.models.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * A model reference fixture written by {@code src/test/python/make_model_fixtures.py}:
 * {@code NAME_config.json}, {@code NAME_weights.pt} (float32 state dict) and {@code NAME_io.pt}
 * (inputs, expected values computed in float64 by the independent reference
 * {@code lcl_reference.py}, gradients). The committed fixtures are on the test classpath under
 * {@code fixtures/}; {@code -Dlcl.reference.fixtures=DIR} adds those of another folder (e.g. the
 * demo-config fixtures of {@code make_model_fixtures.py --demo DIR}).
 *
 * <p>Comparison: for each tensor, err = max|actual − expected| / max(max|expected|, floor), the
 * largest absolute difference relative to the largest expected magnitude (the ∞-norm relative
 * error), computed in float64. floor is 1e-6 for values; for gradients it is 1e-2 × the largest
 * gradient of the whole model, because some gradients are zero in exact arithmetic (the key bias
 * of the attentive pooling: shifting every key by the same vector cancels in the softmax) and are
 * only rounding noise on both sides. Integer tensors (labels) must be equal.
 */
record Fixture(String name, Path dir) {

    /**
     * The committed fixtures plus those of -Dlcl.reference.fixtures (every NAME with NAME_config.json,
     * NAME_weights.pt and NAME_io.pt), LCL or CLIP ones only.
     */
    static Stream<Fixture> all(boolean lcl) {
        List<Fixture> out = new ArrayList<>();
        out.addAll(in(committedDir()));
        String extra = System.getProperty("lcl.reference.fixtures");
        if (extra != null && !extra.isBlank()) {
            List<Fixture> more = in(Path.of(extra));
            assertTrue(!more.isEmpty(), "-Dlcl.reference.fixtures=" + extra + " holds no *_config.json");
            out.addAll(more);
        }
        return out.stream().filter(f -> f.config().isLcl() == lcl);
    }

    private static Path committedDir() {
        URL url = Fixture.class.getResource("/fixtures/lcl_tiny_config.json");
        assertNotNull(url, "fixtures/lcl_tiny_config.json is not on the test classpath (src/test/resources/fixtures)");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Fixture> in(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("_config.json"))
                    .sorted()
                    .map(n -> new Fixture(n.substring(0, n.length() - "_config.json".length()), dir))
                    .filter(f -> Files.isRegularFile(dir.resolve(f.name + "_weights.pt")) && Files.isRegularFile(dir.resolve(f.name + "_io.pt")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ModelConfig config() {
        return ModelConfigs.load(dir.resolve(name + "_config.json"));
    }

    /** The state dict (tensors in the caller's scope), in the file's key order. */
    Map<String, Tensor> weights() {
        return tensors(dir.resolve(name + "_weights.pt"));
    }

    /** Inputs, expected values and gradients (tensors in the caller's scope). */
    Map<String, Tensor> io() {
        return tensors(dir.resolve(name + "_io.pt"));
    }

    /** A model of this fixture's config in dtype, holding the fixture's weights (strict load). */
    ImageTextModel model(DType dtype) {
        ImageTextModel m = Models.create(config(), Device.CPU, dtype, false);
        m.loadStateDict(weights(), true);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Tensor> tensors(Path file) {
        try {
            Object tree = Torch.load(file);
            Map<String, Tensor> out = new LinkedHashMap<>();
            ((Map<String, Object>) tree).forEach((k, v) -> out.put(k, (Tensor) v));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- comparison ----------------------------------------------------------------------------

    /** max|a − b| / max(max|b|, floor), in float64. */
    static double relErr(Tensor actual, Tensor expected, double floor) {
        Tensor a = actual.detach().to(DType.FLOAT64);
        Tensor b = expected.to(DType.FLOAT64);
        double diff = a.sub(b).abs().max().item();
        double scale = b.abs().max().item();
        return diff / Math.max(scale, floor);
    }

    /** Collects errors of one run and reports them. */
    static final class Check {
        private final String title;
        private final Map<String, Double> errors = new LinkedHashMap<>();
        private final List<String> failures = new ArrayList<>();

        Check(String title) {
            this.title = title;
        }

        void close(String key, Tensor actual, Tensor expected, double tol) {
            close(key, actual, expected, tol, 1e-6);
        }

        void close(String key, Tensor actual, Tensor expected, double tol, double floor) {
            assertNotNull(expected, key + ": not in the fixture");
            assertNotNull(actual, key + ": no value");
            assertArrayEquals(expected.shape(), actual.shape(), key + ": shape");
            double e = relErr(actual, expected, floor);
            errors.put(key, e);
            if (!(e <= tol)) {
                failures.add(String.format("%s: relative error %.3g > %.1g", key, e, tol));
            }
        }

        void equal(String key, Tensor actual, Tensor expected) {
            assertArrayEquals(expected.shape(), actual.shape(), key + ": shape");
            assertEquals(expected.dtype(), actual.dtype(), key + ": dtype");
            assertArrayEquals(expected.toLongArray(), actual.toLongArray(), key + ": values");
        }

        /** Prints every error and fails on any above its tolerance. */
        void report() {
            StringBuilder sb = new StringBuilder(title).append('\n');
            errors.forEach((k, v) -> sb.append(String.format("  %-70s %.3g%n", k, v)));
            System.out.print(sb);
            if (!failures.isEmpty()) {
                fail(title + ": " + failures.size() + " tensors off the reference:\n  " + String.join("\n  ", failures));
            }
        }
    }
}
