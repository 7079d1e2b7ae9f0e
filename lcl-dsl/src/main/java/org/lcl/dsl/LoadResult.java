package org.lcl.dsl;

import java.util.Arrays;
import java.util.List;

/** What {@link Module#loadStateDict} found: PyTorch's missing and unexpected keys, plus shape mismatches. */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys, List<Mismatch> shapeMismatches) {

    public record Mismatch(String key, long[] expected, long[] got) {
        @Override
        public String toString() {
            return key + " (expected " + Arrays.toString(expected) + ", got " + Arrays.toString(got) + ")";
        }
    }

    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
        shapeMismatches = List.copyOf(shapeMismatches);
    }

    public boolean isClean() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty() && shapeMismatches.isEmpty();
    }

    @Override
    public String toString() {
        return "missing keys " + missingKeys + ", unexpected keys " + unexpectedKeys + ", shape mismatches " + shapeMismatches;
    }
}
