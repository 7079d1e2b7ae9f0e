package org.lcl.models.data.mmc4;

/** A configuration or data error of the MMC4 pipeline that stops it (the message names the path). */
public class Mmc4Exception extends RuntimeException {

    public Mmc4Exception(String message) {
        super(message);
    }

    public Mmc4Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
