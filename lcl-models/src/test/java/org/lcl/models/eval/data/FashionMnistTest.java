package org.lcl.models.eval.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.image.RgbImage;

class FashionMnistTest {

    private static FashionMnist train;
    private static FashionMnist test;

    @BeforeAll
    static void load() throws IOException {
        if (!FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR)) {
            String reason = "skipped: Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR + " (Debian package dataset-fashion-mnist)";
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
    }

    @Test
    void countsAndBalancedClasses() {
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        assertEquals(10, train.classes().size());
        // the dataset has exactly 6000 / 1000 images of every class
        int[] perClass = new int[10];
        for (int i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        for (int c : perClass) {
            assertEquals(6000, c);
        }
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
    }

    @Test
    void imagesAreGrayReplicatedToRgb() {
        RgbImage img = test.image(0, null);
        assertEquals(28, img.width());
        assertEquals(28, img.height());
        byte[] gray = test.gray(0);
        int min = 255;
        int max = 0;
        for (int p = 0; p < 28 * 28; p++) {
            int v = gray[p] & 0xFF;
            min = Math.min(min, v);
            max = Math.max(max, v);
            assertEquals(gray[p], img.data()[3 * p]);
            assertEquals(gray[p], img.data()[3 * p + 1]);
            assertEquals(gray[p], img.data()[3 * p + 2]);
        }
        // objects on a black background: the border is black and the object reaches bright values
        assertEquals(0, gray[0] & 0xFF);
        assertEquals(0, min);
        assertTrue(max > 200, "max gray " + max);
    }

    @Test
    void balancedSubsetIsSeededAndEven() {
        LabeledImages a = Subsets.balanced(train, 100, 3);
        LabeledImages b = Subsets.balanced(train, 100, 3);
        assertEquals(100, a.size());
        int[] perClass = new int[10];
        int[] la = new int[100];
        int[] lb = new int[100];
        for (int i = 0; i < 100; i++) {
            perClass[a.label(i)]++;
            la[i] = Integer.parseInt(a.source(i).replaceAll(".*\\[(\\d+)]", "$1"));
            lb[i] = Integer.parseInt(b.source(i).replaceAll(".*\\[(\\d+)]", "$1"));
        }
        for (int c : perClass) {
            assertEquals(10, c);
        }
        assertArrayEquals(la, lb);
        LabeledImages other = Subsets.balanced(train, 100, 4);
        boolean differs = false;
        for (int i = 0; i < 100; i++) {
            differs |= !other.source(i).equals(a.source(i));
        }
        assertTrue(differs, "another seed picks other samples");
    }

    @Test
    void missingFilesNameTheFile(@TempDir Path dir) {
        var e = assertThrows(IOException.class, () -> FashionMnist.load(dir, FashionMnist.Split.TEST));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());
    }
}
