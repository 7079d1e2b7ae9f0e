package org.lcl.models.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.lcl.models.config.ConfigException;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;

/**
 * A model config together with the JSON it was read from, so that it can be embedded in an
 * exported file and read back exactly ({@link ModelConfig} itself has no writer: the JSON of the
 * config file is kept, compacted, instead).
 *
 * @param name the model's name (the config file's stem, e.g. {@code LCL_ViT-B-32_laion}), never null
 * @param json the config as compact JSON text, as in {@code configs/NAME.json}
 * @param config the parsed config
 * @param origin where it came from, for messages ({@code configs/X.json}, "embedded in F", ...)
 */
public record EmbeddedConfig(String name, String json, ModelConfig config, String origin) {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    public EmbeddedConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(origin, "origin");
    }

    /** The config of a model name ({@code configs/NAME.json}) or a JSON file path, as {@link ModelConfigs#resolve}. */
    public static EmbeddedConfig resolve(String nameOrPath) {
        Path file = ModelConfigs.resolvePath(nameOrPath);
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the model config: " + e, e);
        }
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        return parse(text, stem, file.toString());
    }

    /** A config from JSON text (validated as a config file would be); origin names it in errors. */
    public static EmbeddedConfig parse(String json, String name, String origin) {
        ModelConfig cfg = ModelConfigs.parse(json, origin);
        return new EmbeddedConfig(name == null || name.isBlank() ? "unnamed" : name, compact(json, origin), cfg, origin);
    }

    /** A config given as a parsed JSON object (a {@code torch.save}d dict); origin names it in errors. */
    public static EmbeddedConfig fromMap(Map<?, ?> map, String name, String origin) {
        String json;
        try {
            json = MAPPER.writeValueAsString(map);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigException(origin + ": the embedded config is not a JSON object: " + e.getMessage(), e);
        }
        return parse(json, name, origin);
    }

    /** The config as a map of JSON values (for a torch pickle: numbers, strings, booleans, null, lists, maps). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        try {
            return MAPPER.readValue(json, LinkedHashMap.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config JSON no longer parses: " + e.getOriginalMessage(), e);
        }
    }

    /** The config as indented JSON (for a sidecar file). */
    public String prettyJson() {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(json)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config JSON no longer parses: " + e.getOriginalMessage(), e);
        }
    }

    /** The same config under another origin (for messages). */
    public EmbeddedConfig withOrigin(String newOrigin) {
        return new EmbeddedConfig(name, json, config, newOrigin);
    }

    private static String compact(String json, String origin) {
        try {
            JsonNode node = MAPPER.readTree(json);
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new ConfigException(origin + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
