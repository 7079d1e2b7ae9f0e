package org.lcl.models.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;

/**
 * torchvision's ImageFolder layout: one subdirectory per class (the class name is the
 * directory name; classes sorted by name), its images (png/jpg/jpeg/webp) found recursively
 * and sorted by path. Images are decoded when asked for; a corrupt one throws from
 * {@link #image} for the caller to skip and count.
 */
public final class ImageFolder implements LabeledImages {

    private final String name;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;

    private ImageFolder(String name, List<String> classes, List<Path> files, int[] labels) {
        this.name = name;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
    }

    /**
     * The train and test splits of root: {@code root/train} and {@code root/test} when both
     * exist (their class lists must agree), otherwise root itself split per class with
     * {@link Subsets#split} (testFraction of each class to test, shuffled with seed).
     */
    public static Subsets.Split splits(Path root, double testFraction, long seed) throws IOException {
        Path train = root.resolve("train");
        Path test = root.resolve("test");
        if (Files.isDirectory(train) && Files.isDirectory(test)) {
            ImageFolder tr = open(train);
            ImageFolder te = open(test);
            if (!tr.classes.equals(te.classes)) {
                throw new IOException(root + ": the class directories of train/ " + tr.classes + " and test/ " + te.classes + " differ");
            }
            return new Subsets.Split(tr, te);
        }
        return Subsets.split(open(root), testFraction, seed);
    }

    /** The classes and images under root. */
    public static ImageFolder open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("image folder " + root + (Files.exists(root) ? " is not a directory" : " does not exist"));
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images;
            try (Stream<Path> s = Files.walk(dir)) {
                images = s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
            }
            if (images.isEmpty()) {
                continue;  // torchvision skips classes without images too (allow_empty=False raises; we just drop them)
            }
            int label = classes.size();
            classes.add(dir.getFileName().toString());
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        if (classes.size() < 2) {
            throw new IOException("image folder " + root + " has " + classes.size() + " class director" + (classes.size() == 1 ? "y" : "ies")
                    + " with images (png/jpg/jpeg/webp); classification needs at least two: root/CLASS/IMAGE");
        }
        return new ImageFolder(root.getFileName() == null ? root.toString() : root.getFileName().toString(), List.copyOf(classes),
                List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    /** The file of sample i. */
    public Path file(int i) {
        return files.get(i);
    }

    @Override
    public RgbImage image(int i, ImageDecoder decoder) throws IOException, ImageDecodeException {
        return decoder.decode(Files.readAllBytes(files.get(i)));
    }

    @Override
    public String source(int i) {
        return files.get(i).toString();
    }
}
