package org.lcl.models.data.mmc4;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.lcl.models.data.webdataset.Rng;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes MMC4-format documents for demos and tests from real data: image–caption pairs (a folder
 * searched recursively for {@code NAME.png} beside {@code NAME.txt}, whose first line is the
 * caption, e.g. Debian's tuxpaint-stamps-default under /usr/share/tuxpaint/stamps) interleaved
 * with real sentences (fortune files, e.g. Debian's fortunes under /usr/share/games/fortunes).
 * <p>
 * Each document: 3..12 fortune sentences with 1..8 images; an image's caption is inserted as a
 * sentence of its own, and the image is matched to it with matched_sim in [0.24, 0.40); about a
 * quarter of the images are instead matched to a fortune sentence with matched_sim in
 * [0.10, 0.24) (dropped by the loader). Two images may match one sentence. Output:
 * ROOT/data/docs_shard_{i}_v2.jsonl.zip (one entry docs_shard_{i}_v2.jsonl) and ROOT/images/
 * (the stamps copied as {@code stamp_NNNNNN.png}). Deterministic for a seed (fixed zip times).
 */
public final class Mmc4Generator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FileTime FIXED = FileTime.fromMillis(946684800000L); // 2000-01-01
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    /** An image with its caption. */
    public record Pair(Path image, String caption) {
    }

    /** What was written. */
    public record Result(int shards, int documents, int images, int imagesBelowThreshold) {
    }

    private Mmc4Generator() {
    }

    /** NAME.png files with a non-empty NAME.txt beside them, in sorted path order. */
    public static List<Pair> pairs(Path folder) throws IOException {
        List<Pair> out = new ArrayList<>();
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(folder)) {
            pngs = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        for (Path png : pngs) {
            String n = png.getFileName().toString();
            Path txt = png.resolveSibling(n.substring(0, n.length() - 4) + ".txt");
            if (!Files.isRegularFile(txt)) {
                continue;
            }
            String first = new String(Files.readAllBytes(txt), StandardCharsets.UTF_8).replace("\uFEFF", "")
                    .lines().findFirst().orElse("").trim();
            if (!first.isEmpty()) {
                out.add(new Pair(png, first));
            }
        }
        return out;
    }

    /** Sentences of the fortune files in a folder (files without extension; fortunes split on "%" lines). */
    public static List<String> sentences(Path fortunes) throws IOException {
        List<String> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(fortunes)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().contains(".")).sorted().toList();
        }
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            for (String fortune : text.split("(?m)^%\\s*$")) {
                String flat = fortune.replaceAll("\\s+", " ").trim();
                for (String sentence : SENTENCE_END.split(flat)) {
                    String t = sentence.trim();
                    if (t.length() >= 8 && t.length() <= 400 && t.chars().anyMatch(Character::isLetter)) {
                        out.add(t);
                    }
                }
            }
        }
        return out;
    }

    /** Writes {@code shards} shards of {@code docsPerShard} documents under root (data/ and images/ must not hold shards yet). */
    public static Result generate(Path stampsDir, Path fortunesDir, Path root, int shards, int docsPerShard, long seed)
            throws IOException {
        List<Pair> pairs = pairs(stampsDir);
        List<String> sentences = sentences(fortunesDir);
        if (pairs.isEmpty()) {
            throw new Mmc4Exception("no NAME.png with a NAME.txt caption under " + stampsDir);
        }
        if (sentences.isEmpty()) {
            throw new Mmc4Exception("no fortune sentences in " + fortunesDir);
        }
        Path data = root.resolve("data");
        Path images = root.resolve("images");
        Files.createDirectories(data);
        Files.createDirectories(images);
        Rng rng = new Rng(Rng.mix(0x47454E4DL, seed));
        boolean[] copied = new boolean[pairs.size()];
        int docs = 0;
        int imgs = 0;
        int below = 0;
        for (int shard = 0; shard < shards; shard++) {
            String base = "docs_shard_" + shard + "_v2.jsonl";
            Path zipPath = data.resolve(base + ".zip");
            if (Files.exists(zipPath)) {
                throw new Mmc4Exception("refusing to overwrite " + zipPath);
            }
            Path tmp = data.resolve(base + ".zip.tmp");
            try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
                ZipEntry e = new ZipEntry(base);
                e.setLastModifiedTime(FIXED);
                zip.putNextEntry(e);
                for (int d = 0; d < docsPerShard; d++) {
                    ObjectNode doc = JSON.createObjectNode();
                    List<String> text = new ArrayList<>();
                    int nSent = 3 + rng.nextInt(10);
                    for (int k = 0; k < nSent; k++) {
                        text.add(sentences.get(rng.nextInt(sentences.size())));
                    }
                    int nImg = 1 + rng.nextInt(8);
                    record Img(String name, int sentence, double sim, boolean caption) {
                    }
                    List<Img> list = new ArrayList<>();
                    for (int k = 0; k < nImg; k++) {
                        int pi = rng.nextInt(pairs.size());
                        Pair p = pairs.get(pi);
                        String name = String.format(Locale.ROOT, "stamp_%06d.png", pi);
                        if (!copied[pi]) {
                            Files.copy(p.image(), images.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                            copied[pi] = true;
                        }
                        boolean low = rng.nextInt(4) == 0;
                        if (low) {
                            list.add(new Img(name, rng.nextInt(text.size()), 0.10 + 0.14 * rng.nextDouble(), false));
                            below++;
                        } else {
                            int at = rng.nextInt(text.size() + 1);
                            text.add(at, p.caption());
                            for (int q = 0; q < list.size(); q++) { // sentences after the insertion move down
                                Img o = list.get(q);
                                if (o.sentence() >= at) {
                                    list.set(q, new Img(o.name(), o.sentence() + 1, o.sim(), o.caption()));
                                }
                            }
                            list.add(new Img(name, at, 0.24 + 0.16 * rng.nextDouble(), true));
                        }
                    }
                    imgs += list.size();
                    ArrayNode tl = doc.putArray("text_list");
                    text.forEach(tl::add);
                    ArrayNode info = doc.putArray("image_info");
                    ArrayNode sim = doc.putArray("similarity_matrix");
                    for (Img im : list) {
                        ObjectNode o = info.addObject();
                        o.put("image_name", im.name());
                        o.put("raw_url", "https://example.invalid/mmc4-demo/" + im.name());
                        o.put("matched_text_index", im.sentence());
                        o.put("matched_sim", Math.round(im.sim() * 1e6) / 1e6);
                        o.putNull("face_detections");
                        ArrayNode row = sim.addArray();
                        for (int k = 0; k < text.size(); k++) {
                            double v = k == im.sentence() ? im.sim() : Math.min(im.sim(), 0.05 + 0.15 * rng.nextDouble());
                            row.add(Math.round(v * 1e6) / 1e6);
                        }
                    }
                    doc.put("url", "https://example.invalid/mmc4-demo/shard" + shard + "/doc" + d);
                    zip.write(JSON.writeValueAsBytes(doc));
                    zip.write('\n');
                    docs++;
                }
                zip.closeEntry();
            }
            Files.move(tmp, zipPath, StandardCopyOption.ATOMIC_MOVE);
        }
        return new Result(shards, docs, imgs, below);
    }
}
