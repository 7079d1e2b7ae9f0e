package org.lcl.models.config;

/** A model config that cannot be read or is not supported; the message names the file and the key. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
