package org.lcl.dsl;

import java.util.Arrays;

/**
 * A symbolic tensor shape for compile-time checks: sizes with {@link #ANY} for dimensions not
 * known before running (the batch), or an unknown rank altogether.
 */
public record Shape(long[] dims) {

    public static final long ANY = -1;
    private static final Shape UNKNOWN = new Shape(null);

    public Shape {
        dims = dims == null ? null : dims.clone();
    }

    public static Shape of(long... dims) {
        return new Shape(dims);
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
            return ANY;
        }
        int d = dim < 0 ? dims.length + dim : dim;
        return d < 0 || d >= dims.length ? ANY : dims[d];
    }

    /** The same shape with the last dimension replaced. */
    public Shape withLast(long size) {
        if (dims == null || dims.length == 0) {
            return dims == null ? UNKNOWN : this;
        }
        long[] d = dims.clone();
        d[d.length - 1] = size;
        return new Shape(d);
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
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        if (dims == null) {
            return "[?]";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i] == ANY ? "*" : Long.toString(dims[i]));
        }
        return b.append(']').toString();
    }
}
