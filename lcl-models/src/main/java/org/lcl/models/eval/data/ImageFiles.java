package org.lcl.models.eval.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The image files the evaluation datasets read: png, jpg, jpeg and webp, any case. */
final class ImageFiles {

    static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "webp");

    private ImageFiles() {
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The file name without its extension. */
    static String stem(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
