package org.lcl.dsl;

import java.util.Arrays;

/**
 * A symbolic tensor shape for compile-time checks: sizes with {@link #ANY} for dimensions not
 * known before running (the batch), or an unknown rank (dims null) whose last dimension may
 * still be known (after a linear layer, say).
 */
public record Shape(long[] dims, long unknownRankLast) {

    public static final long ANY = -1;
    private static final Shape UNKNOWN = new Shape(null, ANY);

    public Shape {
        dims = dims == null ? null : dims.clone();
    }

    public static Shape of(long... dims) {
        return new Shape(dims, ANY);
    }

    /** A shape about which nothing is known. */
    public static Shape unknown() {
        return UNKNOWN;
    }

    public boolean isKnownRank() {
        return dims != null;
    }

    public int rank() {
        return dims == null ? -1 : dims.length;
    }

    /** The size of dim (negative counts from the end), or ANY. */
    public long dim(int dim) {
        if (dims == null) {
            return dim == -1 ? unknownRankLast : ANY;
        }
        int d = dim < 0 ? dims.length + dim : dim;
        return d < 0 || d >= dims.length ? ANY : dims[d];
    }

    /** The same shape with the last dimension replaced. */
    public Shape withLast(long size) {
        if (dims == null) {
            return new Shape(null, size);
        }
        if (dims.length == 0) {
            return this;
        }
        long[] d = dims.clone();
        d[d.length - 1] = size;
        return Shape.of(d);
    }

    /** Fails unless the last dimension is unknown or equals expected. */
    public void requireLast(long expected, String path, String what) {
        long last = dim(-1);
        if (last != ANY && last != expected) {
            throw new ModelDefinitionException(path, what + " expects last dimension " + expected + ", got input of shape " + this);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims) && unknownRankLast == s.unknownRankLast;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims) * 31 + Long.hashCode(unknownRankLast);
    }

    @Override
    public String toString() {
        if (dims == null) {
            return unknownRankLast == ANY ? "[?]" : "[..., " + unknownRankLast + "]";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i] == ANY ? "*" : Long.toString(dims[i]));
        }
        return b.append(']').toString();
    }
}
