package org.lcl.models.config;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads model configs: {@link #load} a JSON file, or {@link #resolve} a name (configs/NAME.json)
 * or a path. The configs folder is, in order: the system property {@code lcl.configs.dir}, the
 * environment variable {@code LCL_CONFIGS}, the first {@code configs/} holding JSON files found
 * walking up from the working directory, then from where these classes were loaded (so
 * {@code scripts/lcl} works from any directory).
 */
public final class ModelConfigs {

    public static final String DIR_PROPERTY = "lcl.configs.dir";
    public static final String DIR_ENV = "LCL_CONFIGS";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private ModelConfigs() {}

    /** Reads one config file; errors name the file and the key. */
    public static ModelConfig load(Path file) {
        String source = file.toString();
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read the model config: " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException(source + ": empty file");
        }
        return ModelConfig.read(new JsonSection(source, "", root, ModelConfig.KEYS));
    }

    /** Parses a config from JSON text; source names it in errors. */
    public static ModelConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return ModelConfig.read(new JsonSection(source, "", root, ModelConfig.KEYS));
    }

    /** The config of a model name (configs/NAME.json) or of a JSON file path. */
    public static ModelConfig resolve(String nameOrPath) {
        return load(resolvePath(nameOrPath));
    }

    /** The file {@link #resolve} reads. */
    public static Path resolvePath(String nameOrPath) {
        Path p = Path.of(nameOrPath);
        if (Files.isRegularFile(p)) {
            return p;
        }
        if (nameOrPath.endsWith(".json")) {
            throw new ConfigException(nameOrPath + ": no such model config file");
        }
        String name = nameOrPath.replace('/', '-');  // OpenCLIP accepts "ViT-B/32" for ViT-B-32
        Path dir = configsDir();
        Path file = dir.resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("no model config '" + nameOrPath + "' in " + dir + " (available: " + String.join(", ", list(dir)) + ")");
        }
        return file;
    }

    /** Model names (file stems) in a configs folder, sorted. */
    public static List<String> list(Path dir) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .forEach(f -> names.add(f.getFileName().toString().replaceFirst("\\.json$", "")));
        } catch (IOException e) {
            throw new ConfigException("cannot list model configs in " + dir + ": " + e, e);
        }
        names.sort(null);
        return names;
    }

    /** The configs folder (see the class comment). */
    public static Path configsDir() {
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return existing(Path.of(prop), "-D" + DIR_PROPERTY);
        }
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) {
            return existing(Path.of(env), "$" + DIR_ENV);
        }
        Path found = walkUp(Path.of("").toAbsolutePath());
        if (found == null) {
            found = walkUp(codeLocation());
        }
        if (found == null) {
            throw new ConfigException("cannot find the configs/ folder (looked upwards from " + Path.of("").toAbsolutePath()
                    + "); set -D" + DIR_PROPERTY + " or $" + DIR_ENV);
        }
        return found;
    }

    private static Path existing(Path dir, String from) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(from + " = " + dir + " is not a directory");
        }
        return dir;
    }

    private static Path walkUp(Path start) {
        for (Path d = start; d != null; d = d.getParent()) {
            Path c = d.resolve("configs");
            if (Files.isDirectory(c) && !list(c).isEmpty()) {
                return c;
            }
        }
        return null;
    }

    private static Path codeLocation() {
        try {
            var src = ModelConfigs.class.getProtectionDomain().getCodeSource();
            return src == null ? null : Path.of(src.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
