package org.lcl.models.train.log;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import javax.imageio.ImageIO;

/**
 * A PNG of the training curves from {@code metrics.jsonl}: the top panel has every loss
 * (the total {@code loss}, {@code contrastive_loss}, {@code caption_loss}, in the order the
 * records name them) against the global step, the bottom panel the learning rate; both with
 * ticks, axis labels and the legend, under a title. When a resumed run logged a step twice,
 * the later record wins. NaN and infinite values are left out (the line has a gap there);
 * a lone point is drawn as a dot. Drawn with java.awt in headless mode (set here unless the
 * JVM already chose), which needs a font installed (fontconfig).
 */
public final class LossPlot {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static final int WIDTH = 1000;
    public static final int HEIGHT = 720;

    /** The plot areas (inside the axes) of the two panels. */
    static final Rectangle LOSS_AREA = new Rectangle(90, 56, 880, 400);
    static final Rectangle LR_AREA = new Rectangle(90, 510, 880, 150);

    static final Color BACKGROUND = Color.WHITE;
    /** matplotlib's tab10 colours: the losses in order, then the learning rate in purple. */
    static final Color[] LOSS_COLORS = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22)};
    static final Color LR_COLOR = new Color(0x9467bd);

    private static final Color AXIS = new Color(0x333333);
    private static final Color GRID = new Color(0xe6e6e6);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private LossPlot() {}

    /**
     * Reads {@code metricsJsonl} and writes the plot to {@code png} atomically (a temporary
     * file in the same folder, renamed over it). The title names the run folder.
     *
     * @throws IllegalStateException when the file holds no finite loss value to plot
     */
    public static void render(Path metricsJsonl, Path png) throws IOException {
        Path folder = metricsJsonl.toAbsolutePath().getParent();
        String run = folder == null || folder.getFileName() == null ? "" : folder.getFileName().toString();
        BufferedImage image = draw(MetricsJsonl.read(metricsJsonl), "Training curves: " + run, metricsJsonl.toString());
        writeAtomically(image, png);
    }

    /**
     * Draws {@code records}; {@code source} names them in the exception.
     *
     * @throws IllegalStateException when no record has a finite loss value
     */
    public static BufferedImage draw(List<StepMetrics> records, String title, String source) {
        // Later records replace earlier ones at the same step: a resumed run re-logs steps.
        TreeMap<Long, StepMetrics> byStep = new TreeMap<>();
        records.forEach(r -> byStep.put(r.step(), r));
        Map<String, List<double[]>> losses = new LinkedHashMap<>();
        List<double[]> lr = new ArrayList<>();
        for (StepMetrics r : byStep.values()) {
            r.losses().forEach((name, v) -> losses.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {r.step(), v}));
            lr.add(new double[] {r.step(), r.lr()});
        }
        if (losses.values().stream().flatMap(List::stream).noneMatch(p -> Double.isFinite(p[1]))) {
            throw new IllegalStateException("nothing to plot in " + source + ": "
                    + (records.isEmpty() ? "no records" : "no finite loss value in " + records.size() + " records"));
        }
        double[] xRange = range(List.of(new double[] {0, byStep.firstKey()}, new double[] {0, byStep.lastKey()}), 0.0);

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(AXIS);
            g.setFont(TITLE_FONT);
            centered(g, title, WIDTH / 2, 30);

            List<double[]> allLoss = losses.values().stream().flatMap(List::stream).toList();
            double[] lossRange = range(allLoss, 0.05);
            panel(g, LOSS_AREA, xRange, lossRange, "loss", false);
            List<String> names = new ArrayList<>();
            List<Color> colors = new ArrayList<>();
            int i = 0;
            for (Map.Entry<String, List<double[]>> e : losses.entrySet()) {
                Color c = LOSS_COLORS[i++ % LOSS_COLORS.length];
                series(g, LOSS_AREA, xRange, lossRange, e.getValue(), c);
                names.add(e.getKey().equals(StepMetrics.TOTAL) ? "loss (total)" : e.getKey());
                colors.add(c);
            }
            legend(g, LOSS_AREA, names, colors);

            double[] lrRange = range(lr, 0.05);
            panel(g, LR_AREA, xRange, lrRange, "learning rate", true);
            series(g, LR_AREA, xRange, lrRange, lr, LR_COLOR);
            if (lr.stream().noneMatch(p -> Double.isFinite(p[1]))) {
                g.setColor(AXIS);
                g.setFont(LABEL_FONT);
                centered(g, "no finite learning rate", (int) LR_AREA.getCenterX(), (int) LR_AREA.getCenterY());
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /**
     * [min, max] of the finite second coordinates, widened by {@code pad} of the span each side;
     * a single value gets ±10% (±1 at 0), none gets [0, 1].
     */
    private static double[] range(List<double[]> points, double pad) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] p : points) {
            if (Double.isFinite(p[1])) {
                lo = Math.min(lo, p[1]);
                hi = Math.max(hi, p[1]);
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        if (lo == hi) {
            double half = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            return new double[] {lo - half, hi + half};
        }
        double margin = (hi - lo) * pad;
        return new double[] {lo - margin, hi + margin};
    }

    private static void panel(Graphics2D g, Rectangle area, double[] x, double[] y, String yLabel, boolean xLabel) {
        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        double yStep = Ticks.step(y[0], y[1]);
        for (double v : Ticks.values(y[0], y[1], yStep)) {
            int py = toPixel(v, y, area.y + area.height, area.y);
            g.setColor(GRID);
            g.drawLine(area.x, py, area.x + area.width, py);
            g.setColor(AXIS);
            g.drawLine(area.x - 5, py, area.x, py);
            String label = Ticks.label(v, yStep);
            g.drawString(label, area.x - 8 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
        }
        double xStep = Ticks.step(x[0], x[1]);
        for (double v : Ticks.values(x[0], x[1], xStep)) {
            int px = toPixel(v, x, area.x, area.x + area.width);
            g.setColor(GRID);
            g.drawLine(px, area.y, px, area.y + area.height);
            g.setColor(AXIS);
            g.drawLine(px, area.y + area.height, px, area.y + area.height + 5);
            centered(g, Ticks.label(v, xStep), px, area.y + area.height + 8 + fm.getAscent());
        }
        g.setColor(AXIS);
        g.draw(area);
        g.setFont(LABEL_FONT);
        if (xLabel) {
            centered(g, "step", (int) area.getCenterX(), area.y + area.height + 40);
        }
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2, 22, area.getCenterY());
        centered(g, yLabel, 22, (int) area.getCenterY() + 5);
        g.setTransform(saved);
    }

    private static void series(Graphics2D g, Rectangle area, double[] x, double[] y, List<double[]> points, Color color) {
        g.setClip(area);
        g.setColor(color);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double line = new Path2D.Double();
        boolean penDown = false;
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            if (!Double.isFinite(p[1])) {
                penDown = false;
                continue;
            }
            double px = toPixelD(p[0], x, area.x, area.x + area.width);
            double py = toPixelD(p[1], y, area.y + area.height, area.y);
            boolean nextFinite = i + 1 < points.size() && Double.isFinite(points.get(i + 1)[1]);
            if (!penDown && !nextFinite) {
                g.fillOval((int) Math.round(px) - 3, (int) Math.round(py) - 3, 7, 7);
            }
            if (penDown) {
                line.lineTo(px, py);
            } else {
                line.moveTo(px, py);
            }
            penDown = true;
        }
        g.draw(line);
        g.setStroke(new BasicStroke(1f));
        g.setClip(null);
    }

    private static void legend(Graphics2D g, Rectangle area, List<String> names, List<Color> colors) {
        g.setFont(LABEL_FONT);
        FontMetrics fm = g.getFontMetrics();
        int width = names.stream().mapToInt(fm::stringWidth).max().orElse(0) + 44;
        int rowHeight = fm.getHeight() + 2;
        int left = area.x + area.width - width - 10;
        int top = area.y + 10;
        g.setColor(BACKGROUND);
        g.fillRect(left, top, width, rowHeight * names.size() + 8);
        g.setColor(GRID.darker());
        g.drawRect(left, top, width, rowHeight * names.size() + 8);
        for (int i = 0; i < names.size(); i++) {
            int baseline = top + 4 + rowHeight * i + fm.getAscent();
            int mid = baseline - fm.getAscent() / 2 + 1;
            g.setColor(colors.get(i));
            g.setStroke(new BasicStroke(2.5f));
            g.drawLine(left + 8, mid, left + 32, mid);
            g.setStroke(new BasicStroke(1f));
            g.setColor(AXIS);
            g.drawString(names.get(i), left + 38, baseline);
        }
    }

    private static void centered(Graphics2D g, String text, int cx, int baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    private static int toPixel(double v, double[] range, int p0, int p1) {
        return (int) Math.round(toPixelD(v, range, p0, p1));
    }

    private static double toPixelD(double v, double[] range, int p0, int p1) {
        return p0 + (v - range[0]) / (range[1] - range[0]) * (p1 - p0);
    }

    private static void writeAtomically(BufferedImage image, Path png) throws IOException {
        Path target = png.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            if (!ImageIO.write(image, "png", temp.toFile())) {
                throw new IOException("no PNG writer available for " + png);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }
}
