package org.lcl.models.data.mmc4;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One MMC4 document (one JSON line). {@code similarity_matrix} and {@code face_detections} are
 * not used by LCL and are not kept.
 *
 * @param textList  the sentences
 * @param images    {@code image_info}, in file order
 * @param url       the source page
 * @param source    where it was read (shard name and line), for messages
 */
public record Mmc4Document(List<String> textList, List<ImageInfo> images, String url, String source) {

    /** One {@code image_info} entry. */
    public record ImageInfo(String imageName, int matchedTextIndex, double matchedSim) {
    }

    /**
     * Parses a document node.
     *
     * @throws IllegalArgumentException when a required field is missing or has the wrong type
     */
    public static Mmc4Document parse(JsonNode n, String source) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode texts = n.get("text_list");
        if (texts == null || !texts.isArray()) {
            throw new IllegalArgumentException("no text_list array");
        }
        List<String> t = new ArrayList<>(texts.size());
        for (JsonNode s : texts) {
            if (!s.isTextual()) {
                throw new IllegalArgumentException("text_list holds a non-string");
            }
            t.add(s.asText());
        }
        JsonNode info = n.get("image_info");
        if (info == null || !info.isArray()) {
            throw new IllegalArgumentException("no image_info array");
        }
        List<ImageInfo> imgs = new ArrayList<>(info.size());
        for (JsonNode i : info) {
            JsonNode name = i.get("image_name");
            JsonNode idx = i.get("matched_text_index");
            JsonNode sim = i.get("matched_sim");
            if (name == null || !name.isTextual() || idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber()
                    || sim == null || !sim.isNumber()) {
                throw new IllegalArgumentException("image_info entry lacks image_name, matched_text_index or matched_sim");
            }
            imgs.add(new ImageInfo(name.asText(), idx.asInt(), sim.asDouble()));
        }
        JsonNode url = n.get("url");
        return new Mmc4Document(List.copyOf(t), List.copyOf(imgs), url == null || url.isNull() ? null : url.asText(), source);
    }
}
