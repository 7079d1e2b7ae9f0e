package org.lcl.models.data.mmc4;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-built MMC4 documents and shards for the tests. */
final class Docs {

    static final ObjectMapper JSON = new ObjectMapper();

    record Img(String name, int sentence, double sim) {
    }

    private Docs() {
    }

    static String line(List<String> text, Img... images) {
        ObjectNode d = JSON.createObjectNode();
        ArrayNode tl = d.putArray("text_list");
        text.forEach(tl::add);
        ArrayNode info = d.putArray("image_info");
        for (Img i : images) {
            ObjectNode o = info.addObject();
            o.put("image_name", i.name());
            o.put("raw_url", "http://x/" + i.name());
            o.put("matched_text_index", i.sentence());
            o.put("matched_sim", i.sim());
            o.putNull("face_detections");
        }
        d.putArray("similarity_matrix");
        d.put("url", "http://x/doc");
        try {
            return JSON.writeValueAsString(d);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Mmc4Document doc(List<String> text, Img... images) throws IOException {
        return Mmc4Document.parse(JSON.readTree(line(text, images)), "test");
    }

    static void images(Path root, String... names) throws IOException {
        Files.createDirectories(root.resolve("images"));
        for (String n : names) {
            Files.write(root.resolve("images").resolve(n), ("bytes of " + n).getBytes(StandardCharsets.UTF_8));
        }
    }

    static Path zipShard(Path root, String fileName, String entry, List<String> lines) throws IOException {
        Path data = Files.createDirectories(root.resolve("data"));
        Path p = data.resolve(fileName);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry(entry));
            for (String l : lines) {
                z.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            z.closeEntry();
        }
        return p;
    }

    static Path plainShard(Path root, String fileName, List<String> lines) throws IOException {
        Path data = Files.createDirectories(root.resolve("data"));
        Path p = data.resolve(fileName);
        Files.write(p, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        return p;
    }
}
