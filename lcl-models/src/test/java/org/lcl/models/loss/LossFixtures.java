package org.lcl.models.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

import org.lcl.torch.DType;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * fixtures/loss_io.pt, written by {@code src/test/python/make_loss_fixtures.py} (an independent
 * float64 computation; keys documented there), and the comparisons of the loss tests.
 */
final class LossFixtures {

    /** Values: |actual − expected| ≤ VALUE_TOL · max(1, |expected|). */
    static final double VALUE_TOL = 1e-5;
    /** Gradients: max|actual − expected| ≤ GRAD_TOL · max(1, max|expected|). */
    static final double GRAD_TOL = 1e-6;

    private final Map<String, Object> tensors;

    @SuppressWarnings("unchecked")
    LossFixtures() {
        URL url = LossFixtures.class.getResource("/fixtures/loss_io.pt");
        assertNotNull(url, "fixtures/loss_io.pt is not on the test classpath (src/test/resources/fixtures)");
        try {
            tensors = (Map<String, Object>) Torch.load(Path.of(url.toURI()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Tensor get(String key) {
        Object t = tensors.get(key);
        assertNotNull(t, key + ": not in loss_io.pt");
        return (Tensor) t;
    }

    /** A float32 leaf that requires grad, from a stored input. */
    Tensor leaf(String key) {
        return get(key).to(DType.FLOAT32).detach().requiresGrad_();
    }

    static void assertValue(String key, Tensor actual, Tensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), key + ": shape");
        double a = actual.detach().to(DType.FLOAT64).item();
        double e = expected.to(DType.FLOAT64).item();
        assertTrue(Math.abs(a - e) <= VALUE_TOL * Math.max(1, Math.abs(e)), key + ": " + a + " vs reference " + e);
    }

    static void assertGrad(String key, Tensor actual, Tensor expected) {
        assertNotNull(actual, key + ": no gradient");
        assertArrayEquals(expected.shape(), actual.shape(), key + ": shape");
        if (expected.numel() == 0) {
            return;
        }
        Tensor a = actual.detach().to(DType.FLOAT64);
        Tensor e = expected.to(DType.FLOAT64);
        double diff = a.sub(e).abs().max().item();
        double scale = Math.max(1, e.abs().max().item());
        assertTrue(diff <= GRAD_TOL * scale, key + ": max difference " + diff + " (scale " + scale + ")");
    }
}
