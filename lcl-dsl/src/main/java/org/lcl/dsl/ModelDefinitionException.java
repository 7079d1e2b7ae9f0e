package org.lcl.dsl;

/** A model declaration that cannot be compiled: the message names the layer path and the numbers. */
public final class ModelDefinitionException extends IllegalArgumentException {

    private final String path;

    public ModelDefinitionException(String path, String message) {
        super((path.isEmpty() ? "<root>" : path) + ": " + message);
        this.path = path;
    }

    /** The dotted path of the offending layer, e.g. {@code visual.transformer.resblocks.3.attn}. */
    public String path() {
        return path;
    }
}
