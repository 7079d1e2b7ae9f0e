package org.lcl.torch.serialization;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A Python {@code tuple}: an immutable list. It is a {@link List} so that readers may treat tuples and lists alike,
 * and a type of its own so that a loaded tuple is saved back as a tuple (e.g. Adam's {@code betas}).
 * Equality is {@link List}'s: a tuple equals a list with the same elements.
 */
public final class PyTuple extends AbstractList<Object> implements RandomAccess {

    private static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;

    private PyTuple(Object[] items) {
        this.items = items;
    }

    public static PyTuple of(Object... items) {
        return items.length == 0 ? EMPTY : new PyTuple(items.clone());
    }

    public static PyTuple copyOf(List<?> items) {
        return items.isEmpty() ? EMPTY : new PyTuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    /** Python's repr: {@code (1,)} for one element, {@code (1, 2)} otherwise. */
    @Override
    public String toString() {
        if (items.length == 1) {
            return "(" + items[0] + ",)";
        }
        String s = Arrays.toString(items);
        return "(" + s.substring(1, s.length() - 1) + ")";
    }
}
