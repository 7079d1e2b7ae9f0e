package org.lcl.models.eval.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    private static void png(Path file, int rgb) throws IOException {
        ImageFolderTestImages.png(file, rgb);
    }

    @Test
    void classesAreSortedDirectoryNames(@TempDir Path root) throws IOException {
        png(root.resolve("zebra/1.png"), 0x111111);
        png(root.resolve("apple/b.PNG"), 0x222222);
        png(root.resolve("apple/a.png"), 0x333333);
        png(root.resolve("apple/nested/c.png"), 0x444444);
        Files.createDirectories(root.resolve("empty"));
        Files.writeString(root.resolve("zebra/notes.txt"), "not an image");
        ImageFolder f = ImageFolder.open(root);
        assertEquals(List.of("apple", "zebra"), f.classes());
        assertEquals(4, f.size());
        assertEquals(List.of(0, 0, 0, 1), List.of(f.label(0), f.label(1), f.label(2), f.label(3)));
        assertTrue(f.file(0).endsWith("apple/a.png"), f.file(0).toString());
    }

    @Test
    void trainAndTestSubfoldersAreTheSplits(@TempDir Path root) throws IOException {
        png(root.resolve("train/cat/1.png"), 1);
        png(root.resolve("train/dog/1.png"), 2);
        png(root.resolve("train/dog/2.png"), 3);
        png(root.resolve("test/cat/1.png"), 4);
        png(root.resolve("test/dog/1.png"), 5);
        Subsets.Split s = ImageFolder.splits(root, 0.2, 0);
        assertEquals(3, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals(List.of("cat", "dog"), s.test().classes());
    }

    @Test
    void withoutSubfoldersASeededSplitPerClass(@TempDir Path root) throws IOException {
        for (int i = 0; i < 10; i++) {
            png(root.resolve("a/" + i + ".png"), i);
            png(root.resolve("b/" + i + ".png"), i);
        }
        Subsets.Split s = ImageFolder.splits(root, 0.3, 42);
        assertEquals(14, s.train().size());
        assertEquals(6, s.test().size());
        Set<String> train = new HashSet<>();
        for (int i = 0; i < s.train().size(); i++) {
            train.add(s.train().source(i));
        }
        int testA = 0;
        for (int i = 0; i < s.test().size(); i++) {
            assertTrue(!train.contains(s.test().source(i)), "in both splits: " + s.test().source(i));
            testA += s.test().label(i) == 0 ? 1 : 0;
        }
        assertEquals(3, testA);
        Subsets.Split again = ImageFolder.splits(root, 0.3, 42);
        for (int i = 0; i < s.test().size(); i++) {
            assertEquals(s.test().source(i), again.test().source(i));
        }
    }

    @Test
    void oneClassIsAnError(@TempDir Path root) throws IOException {
        png(root.resolve("only/1.png"), 1);
        var e = assertThrows(IOException.class, () -> ImageFolder.open(root));
        assertTrue(e.getMessage().contains("at least two"), e.getMessage());
    }

    @Test
    void captionedFolderPairsImagesWithFirstLines(@TempDir Path root) throws IOException {
        png(root.resolve("x/a.png"), 1);
        Files.writeString(root.resolve("x/a.txt"), "\uFEFF a red square \nsecond line");
        png(root.resolve("b.png"), 2);
        Files.writeString(root.resolve("b.txt"), "a blue square");
        png(root.resolve("c.png"), 3);  // no caption
        CaptionedImages c = CaptionedImages.open(root);
        assertEquals(2, c.size());
        assertEquals(1, c.missingCaptions());
        assertEquals("a blue square", c.caption(0));
        assertEquals("a red square", c.caption(1));
        assertEquals(1, c.limit(1).size());
    }
}
