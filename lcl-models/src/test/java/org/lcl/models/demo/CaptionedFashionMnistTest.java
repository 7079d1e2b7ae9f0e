package org.lcl.models.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.eval.data.FashionMnist;

class CaptionedFashionMnistTest {

    @Test
    void writesBalancedCaptionedPngs(@TempDir Path out) throws Exception {
        Assumptions.assumeTrue(FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
                "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        FashionMnist test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        assertEquals(30, CaptionedFashionMnist.write(test, 3, 7, out));
        List<Path> pngs;
        try (Stream<Path> files = Files.list(out)) {
            pngs = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(30, pngs.size());
        Map<String, Integer> perClass = new HashMap<>();
        for (Path png : pngs) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(28, img.getWidth());
            assertEquals(28, img.getHeight());
            String caption = Files.readString(Path.of(png.toString().replace(".png", ".txt"))).strip();
            String cls = FashionMnist.CLASSES.stream().filter(caption::contains).findFirst()
                    .orElseThrow(() -> new AssertionError("caption names no class: " + caption));
            perClass.merge(cls, 1, Integer::sum);
            assertTrue(CaptionedFashionMnist.CAPTIONS.stream().anyMatch(t -> t.replace("{c}", cls).equals(caption)), caption);
        }
        assertEquals(10, perClass.size(), perClass.toString());
        perClass.values().forEach(n -> assertEquals(3, n));
        // The pixels are Fashion-MNIST's own (the first written image is one of the split's).
        BufferedImage first = ImageIO.read(pngs.get(0).toFile());
        boolean found = false;
        int[] px = new int[28 * 28];
        first.getRaster().getPixels(0, 0, 28, 28, px);
        for (int i = 0; i < test.size() && !found; i++) {
            byte[] g = test.gray(i);
            boolean same = true;
            for (int p = 0; p < px.length && same; p++) {
                same = (g[p] & 0xFF) == px[p];
            }
            found = same;
        }
        assertTrue(found, "the PNG's pixels are not a Fashion-MNIST image");
    }
}
