package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossPlotTest {

    @TempDir
    Path dir;

    Path metrics(List<StepMetrics> records) throws IOException {
        Path run = Files.createDirectories(dir.resolve("logs").resolve("run1"));
        Path file = run.resolve("metrics.jsonl");
        try (MetricsJsonl w = MetricsJsonl.open(file)) {
            for (StepMetrics r : records) {
                w.append(r);
            }
        }
        return file;
    }

    static long pixelsOf(BufferedImage image, Rectangle area, Color color) {
        long n = 0;
        for (int y = area.y + 1; y < area.y + area.height; y++) {
            for (int x = area.x + 1; x < area.x + area.width; x++) {
                if ((image.getRGB(x, y) & 0xffffff) == (color.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }

    BufferedImage renderAndRead(List<StepMetrics> records) throws IOException {
        Path file = metrics(records);
        Path png = file.resolveSibling("loss.png");
        LossPlot.render(file, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable PNG: " + png);
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of("loss.png", "metrics.jsonl"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the temporary file must be renamed away");
        }
        return image;
    }

    @Test
    void drawsLossesAndLearningRateInTwoPanels() throws IOException {
        List<StepMetrics> records = new java.util.ArrayList<>();
        for (int step = 0; step <= 2000; step += 50) {
            double c = 8 * Math.exp(-step / 800.0) + 1;
            records.add(MetricsJsonlTest.record(step / 1000, step, step == 500 ? Double.NaN : c, 2 * c));
        }
        BufferedImage image = renderAndRead(records);
        assertEquals(LossPlot.WIDTH, image.getWidth());
        assertEquals(LossPlot.HEIGHT, image.getHeight());
        for (int i = 0; i < 3; i++) {
            assertTrue(pixelsOf(image, LossPlot.LOSS_AREA, LossPlot.LOSS_COLORS[i]) > 100, "loss series " + i);
        }
        assertTrue(pixelsOf(image, LossPlot.LR_AREA, LossPlot.LR_COLOR) > 100, "learning-rate curve");
        assertEquals(0, pixelsOf(image, LossPlot.LR_AREA, LossPlot.LOSS_COLORS[0]), "no loss curve in the LR panel");
        // Title, tick labels and axis labels outside the plot areas.
        assertTrue(nonBackground(image, new Rectangle(0, 0, LossPlot.WIDTH, LossPlot.LOSS_AREA.y)) > 50, "title");
        assertTrue(nonBackground(image, new Rectangle(0, 0, LossPlot.LOSS_AREA.x - 1, LossPlot.HEIGHT)) > 200, "y labels");
    }

    @Test
    void singlePointIsDrawn() throws IOException {
        BufferedImage image = renderAndRead(List.of(MetricsJsonlTest.record(0, 10, 4.0, 5.0)));
        assertTrue(pixelsOf(image, LossPlot.LOSS_AREA, LossPlot.LOSS_COLORS[0]) > 10, "dot for the lone contrastive loss");
        assertTrue(pixelsOf(image, LossPlot.LR_AREA, LossPlot.LR_COLOR) > 10, "dot for the lone lr");
    }

    @Test
    void nothingToPlotNamesTheFile() throws IOException {
        Path empty = metrics(List.of());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LossPlot.render(empty, empty.resolveSibling("loss.png")));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        assertTrue(Files.notExists(empty.resolveSibling("loss.png")));

        Files.delete(empty);
        Path allNaN = metrics(List.of(MetricsJsonlTest.record(0, 10, Double.NaN, Double.POSITIVE_INFINITY)));
        e = assertThrows(IllegalStateException.class, () -> LossPlot.render(allNaN, allNaN.resolveSibling("loss.png")));
        assertTrue(e.getMessage().contains(allNaN.toString()), e.getMessage());
    }

    @Test
    void tickLabels() {
        assertEquals(0.5, Ticks.step(0, 3));
        assertEquals(List.of(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0), Ticks.values(0, 3, 0.5));
        assertEquals("2.5", Ticks.label(2.5, 0.5));
        assertEquals("10000", Ticks.label(10000, 2000));
        assertEquals("5e-05", Ticks.label(5e-5, 1e-5));
        assertEquals("0", Ticks.label(1e-20, 1e-4));
    }

    private static long nonBackground(BufferedImage image, Rectangle area) {
        long n = 0;
        for (int y = area.y; y < area.y + area.height; y++) {
            for (int x = area.x; x < area.x + area.width; x++) {
                if ((image.getRGB(x, y) & 0xffffff) != (LossPlot.BACKGROUND.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }
}
