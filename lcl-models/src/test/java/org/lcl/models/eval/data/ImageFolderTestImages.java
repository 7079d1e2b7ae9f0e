package org.lcl.models.eval.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/** Small single-colour PNG files for the dataset tests. */
public final class ImageFolderTestImages {

    private ImageFolderTestImages() {
    }

    public static void png(Path file, int rgb) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }
}
