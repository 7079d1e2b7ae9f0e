package org.lcl.models.train.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code logs/NAME/params.txt}: one {@code name: value} line per flag, sorted by name, values
 * as Python's {@code str()} prints them (see {@link PyRepr}), as OpenCLIP writes every argparse
 * argument. OpenCLIP also logs the same lines, indented by two spaces, after a
 * {@code Params:} record; {@link #lines} gives them for that.
 */
public final class ParamsFile {

    private ParamsFile() {}

    /** The lines {@code "name: value"}, sorted by name. */
    public static List<String> lines(Map<String, ?> params) {
        List<String> lines = new ArrayList<>(params.size());
        new TreeMap<>(params).forEach((name, value) -> lines.add(name + ": " + PyRepr.str(value)));
        return lines;
    }

    /** Writes (replacing) {@code file} with {@link #lines}, each ending in a newline. */
    public static void write(Path file, Map<String, ?> params) throws IOException {
        Files.write(file, lines(params), StandardCharsets.UTF_8);
    }
}
