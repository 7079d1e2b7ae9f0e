package org.lcl.models.eval.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;

/**
 * Image + caption pairs for retrieval, in {@code lcl data make-shards}' input layout: under
 * root (searched recursively), {@code NAME.png} (or .jpg/.jpeg/.webp) beside {@code NAME.txt}
 * whose first line (trimmed, BOM dropped) is the caption. Images without a caption file, with an
 * empty or non-UTF-8 caption are left out and counted in {@link #missingCaptions()}.
 */
public final class CaptionedImages {

    private final String name;
    private final List<Path> images;
    private final List<String> captions;
    private final int missingCaptions;

    private CaptionedImages(String name, List<Path> images, List<String> captions, int missingCaptions) {
        this.name = name;
        this.images = images;
        this.captions = captions;
        this.missingCaptions = missingCaptions;
    }

    public static CaptionedImages open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("captioned image folder " + root + (Files.exists(root) ? " is not a directory" : " does not exist"));
        }
        List<Path> found;
        try (Stream<Path> s = Files.walk(root)) {
            found = s.filter(Files::isRegularFile).filter(ImageFiles::isImage)
                    .sorted((a, b) -> root.relativize(a).toString().compareTo(root.relativize(b).toString())).toList();
        }
        List<Path> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        int missing = 0;
        for (Path image : found) {
            Path txt = image.resolveSibling(ImageFiles.stem(image) + ".txt");
            String caption = Files.isRegularFile(txt) ? firstLine(txt) : "";
            if (caption.isEmpty()) {
                missing++;
                continue;
            }
            images.add(image);
            captions.add(caption);
        }
        if (images.isEmpty()) {
            throw new IOException("no image + caption pairs under " + root + " (looked for NAME.png/.jpg/.jpeg/.webp beside NAME.txt; found "
                    + found.size() + " images, " + missing + " without a usable caption)");
        }
        return new CaptionedImages(root.getFileName() == null ? root.toString() : root.getFileName().toString(), List.copyOf(images),
                List.copyOf(captions), missing);
    }

    /** The captions' first line; "" when the file is empty or not UTF-8. */
    private static String firstLine(Path txt) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(txt))).toString();
        } catch (CharacterCodingException e) {
            return "";
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }

    public String name() {
        return name;
    }

    public int size() {
        return images.size();
    }

    public Path imageFile(int i) {
        return images.get(i);
    }

    public String caption(int i) {
        return captions.get(i);
    }

    public List<String> captions() {
        return captions;
    }

    /** Images left out for want of a caption. */
    public int missingCaptions() {
        return missingCaptions;
    }

    /** The first n pairs (all when n is at least the size). */
    public CaptionedImages limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("sample limit must be >= 0, got " + n);
        }
        if (n >= size()) {
            return this;
        }
        return new CaptionedImages(name, images.subList(0, n), captions.subList(0, n), missingCaptions);
    }

    /** The pairs' images as a labelled split (label = pair index), for the feature extractor. */
    public LabeledImages asImages() {
        return new LabeledImages() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<String> classes() {
                return captions;
            }

            @Override
            public int size() {
                return images.size();
            }

            @Override
            public int label(int i) {
                return i;
            }

            @Override
            public RgbImage image(int i, ImageDecoder decoder) throws IOException, ImageDecodeException {
                return decoder.decode(Files.readAllBytes(images.get(i)));
            }

            @Override
            public String source(int i) {
                return images.get(i).toString();
            }
        };
    }
}
