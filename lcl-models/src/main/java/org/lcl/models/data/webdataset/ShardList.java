package org.lcl.models.data.webdataset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shards named by {@code --train-data}: sources joined with {@code ::}, each one
 * brace-expanded (OpenCLIP's {@code expand_urls}), with the per-source upsampling factors of
 * {@code --train-data-upsampling-factors} as weights. Only local files: every expanded name
 * must be an existing regular file, unless missing shards are allowed, in which case they
 * are dropped with a warning (a source matching no file at all is always an error).
 */
public record ShardList(List<String> sources, List<Shard> shards, List<Path> missing) {

    private static final System.Logger LOG = System.getLogger(ShardList.class.getName());

    public ShardList {
        sources = List.copyOf(sources);
        shards = List.copyOf(shards);
        missing = List.copyOf(missing);
    }

    /** Sources of a {@code ::}-joined data argument (Python's {@code str.split("::")}). */
    public static List<String> splitSources(String data) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int i = data.indexOf("::", start);
            if (i < 0) {
                out.add(data.substring(start));
                return out;
            }
            out.add(data.substring(start, i));
            start = i + 2;
        }
    }

    /** Expands the names without looking at the file system. */
    public static List<String> expandNames(String data) {
        List<String> names = new ArrayList<>();
        for (String source : splitSources(data)) {
            names.addAll(BraceExpansion.expand(source));
        }
        return names;
    }

    /**
     * Expands and checks {@code data}.
     *
     * @param upsamplingFactors null, or one non-negative number per source joined with {@code ::}
     * @param allowMissing drop expanded names that are not files (with a warning) instead of failing
     * @throws WebDatasetException with a message for the user on any problem
     */
    public static ShardList resolve(String data, String upsamplingFactors, boolean allowMissing) {
        if (data == null || data.isBlank()) {
            throw new WebDatasetException("no training data given (--train-data is empty)");
        }
        List<String> sources = splitSources(data);
        double[] weights = parseFactors(upsamplingFactors, sources.size());
        List<Shard> shards = new ArrayList<>();
        List<Path> missing = new ArrayList<>();
        for (int s = 0; s < sources.size(); s++) {
            String source = sources.get(s);
            if (source.isBlank()) {
                throw new WebDatasetException("--train-data source " + (s + 1) + " of " + sources.size()
                        + " is empty (stray '::' in \"" + data + "\"?)");
            }
            if (source.contains("://") || source.startsWith("pipe:")) {
                throw new WebDatasetException("only local shard files are supported, not \"" + source
                        + "\": download the shards and pass their path");
            }
            List<String> names = BraceExpansion.expand(source);
            List<Path> sourceMissing = new ArrayList<>();
            int found = 0;
            for (String name : names) {
                Path p = Path.of(name);
                if (Files.isRegularFile(p)) {
                    shards.add(new Shard(p, s, weights[s]));
                    found++;
                } else {
                    sourceMissing.add(p);
                }
            }
            if (found == 0) {
                Path first = Path.of(names.get(0));
                String why = names.size() == 1 ? (Files.isDirectory(first) ? "it is a directory; name the .tar files, e.g. "
                        + first.resolve("{00000..00009}.tar") : "no such file")
                        : "none of its " + names.size() + " names exists (first: " + first + ")";
                Path dir = first.toAbsolutePath().getParent();
                if (dir != null && !Files.isDirectory(dir)) {
                    why += "; directory " + dir + " does not exist";
                }
                throw new WebDatasetException("--train-data pattern \"" + source + "\" matches no file: " + why);
            }
            if (!sourceMissing.isEmpty()) {
                String msg = sourceMissing.size() + " of " + names.size() + " shards of \"" + source + "\" are missing ("
                        + preview(sourceMissing) + ")";
                if (!allowMissing) {
                    throw new WebDatasetException(msg + "; fix the pattern, or allow missing shards (--allow-missing-shards) to skip them");
                }
                LOG.log(System.Logger.Level.WARNING, msg + "; skipping them");
                missing.addAll(sourceMissing);
            }
        }
        return new ShardList(sources, shards, missing);
    }

    private static double[] parseFactors(String factors, int numSources) {
        double[] weights = new double[numSources];
        if (factors == null || factors.isBlank()) {
            java.util.Arrays.fill(weights, 1.0);
            return weights;
        }
        List<String> parts = splitSources(factors);
        if (parts.size() != numSources) {
            throw new WebDatasetException("--train-data-upsampling-factors has " + parts.size()
                    + " values but --train-data has " + numSources + " sources; give one factor per '::'-separated source");
        }
        double total = 0;
        for (int i = 0; i < numSources; i++) {
            double w;
            try {
                w = Double.parseDouble(parts.get(i).trim());
            } catch (NumberFormatException e) {
                throw new WebDatasetException("--train-data-upsampling-factors: \"" + parts.get(i) + "\" is not a number");
            }
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new WebDatasetException("--train-data-upsampling-factors: " + parts.get(i) + " must be a finite number >= 0");
            }
            weights[i] = w;
            total += w;
        }
        if (total <= 0) {
            throw new WebDatasetException("--train-data-upsampling-factors are all zero");
        }
        return weights;
    }

    static String preview(List<?> items) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(3, items.size());
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(items.get(i));
        }
        if (items.size() > n) {
            b.append(", ... ").append(items.size() - n).append(" more");
        }
        return b.toString();
    }
}
