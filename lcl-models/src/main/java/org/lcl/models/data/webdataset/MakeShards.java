package org.lcl.models.data.webdataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code scripts/lcl data make-shards}: turns a folder tree of image + caption pairs
 * ({@code NAME.png} or .jpg/.jpeg/.webp beside {@code NAME.txt}, as Tux Paint's stamps and
 * many scraped sets are laid out) into WebDataset shards plus sizes.json. The caption is the
 * first line of the caption file (Tux Paint puts the English description there, translations
 * after it), trimmed. Pairs are taken in sorted path order, so the output is reproducible; each
 * sample gets a nine-digit key and also a {@code KEY.json} with its source path.
 */
public final class MakeShards {

    /**
     * @param input folder searched recursively
     * @param output folder for the shards (created; must hold no shards yet)
     * @param samplesPerShard samples per tar (LAION uses 10000)
     * @param captionExt extension of the caption files, without the dot
     * @param prefix shard name prefix
     */
    public record Options(Path input, Path output, int samplesPerShard, String captionExt, String prefix) {

        /** samplesPerShard 10000, captions in .txt, shards named shard-000000.tar, ... */
        public static Options of(Path input, Path output) {
            return new Options(input, output, 10_000, "txt", "shard-");
        }

        public Options withSamplesPerShard(int n) {
            return new Options(input, output, n, captionExt, prefix);
        }

        public Options withCaptionExt(String ext) {
            return new Options(input, output, samplesPerShard, ext, prefix);
        }

        public Options withPrefix(String p) {
            return new Options(input, output, samplesPerShard, captionExt, p);
        }
    }

    /** What was written and what was left out. */
    public record Result(long samples, List<Path> shards, String pattern, long bytes, int imagesWithoutCaption,
                         int emptyCaptions, int unreadable) {
    }

    private MakeShards() {
    }

    public static Result run(Options o, Consumer<String> log) {
        if (!Files.isDirectory(o.input())) {
            throw new WebDatasetException("input " + o.input() + (Files.exists(o.input()) ? " is not a directory" : " does not exist"));
        }
        String captionExt = o.captionExt().startsWith(".") ? o.captionExt().substring(1) : o.captionExt();
        List<Path> images;
        try (Stream<Path> files = Files.walk(o.input())) {
            images = files.filter(Files::isRegularFile).filter(p -> imageExt(p) != null)
                    .sorted((a, b) -> o.input().relativize(a).toString().compareTo(o.input().relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + o.input(), e);
        }
        int withoutCaption = 0;
        int emptyCaption = 0;
        int unreadable = 0;
        record Pair(Path image, String caption) {
        }
        List<Pair> pairs = new ArrayList<>();
        for (Path image : images) {
            String name = image.getFileName().toString();
            Path captionFile = image.resolveSibling(name.substring(0, name.lastIndexOf('.')) + "." + captionExt);
            if (!Files.isRegularFile(captionFile)) {
                withoutCaption++;
                continue;
            }
            String caption;
            try {
                caption = firstLine(Files.readAllBytes(captionFile));
            } catch (IOException e) {
                unreadable++;
                log.accept("skipping " + image + ": " + WebDatasetStats.describe(e));
                continue;
            }
            if (caption.isEmpty()) {
                emptyCaption++;
                continue;
            }
            pairs.add(new Pair(image, caption));
        }
        if (pairs.isEmpty()) {
            throw new WebDatasetException("no image + caption pairs under " + o.input() + " (looked for NAME.png/.jpg/"
                    + ".jpeg/.webp beside NAME." + captionExt + "; found " + images.size() + " images, " + withoutCaption
                    + " without a caption file, " + emptyCaption + " with an empty caption, " + unreadable + " unreadable)");
        }
        long bytes = 0;
        ShardWriter w = new ShardWriter(o.output(), o.prefix(), o.samplesPerShard());
        for (Pair pair : pairs) {
            byte[] imageBytes;
            try {
                imageBytes = Files.readAllBytes(pair.image());
            } catch (IOException e) {
                unreadable++;
                log.accept("skipping " + pair.image() + ": " + WebDatasetStats.describe(e));
                continue;
            }
            String source = o.input().relativize(pair.image()).toString();
            byte[] json = ("{\"source\": " + jsonString(source) + "}").getBytes(StandardCharsets.UTF_8);
            w.write(imageExt(pair.image()), imageBytes, pair.caption(), Map.of("json", json));
            bytes += imageBytes.length;
            if (w.samples() % 1000 == 0) {
                log.accept(w.samples() + " samples written");
            }
        }
        w.close();
        List<Path> shards = w.shards();
        String pattern = w.pattern();
        long samples = w.samples();
        return new Result(samples, shards, pattern, bytes, withoutCaption, emptyCaption, unreadable);
    }

    static String imageExt(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot <= 0) {
            return null;
        }
        String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TarShardReader.IMAGE_EXTENSIONS.contains(ext) ? ext : null;
    }

    /** The first line of a UTF-8 text (BOM dropped), trimmed. */
    static String firstLine(byte[] bytes) throws CharacterCodingException {
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        int nl = text.indexOf('\n');
        String line = nl < 0 ? text : text.substring(0, nl);
        return line.strip();
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
