package org.lcl.models.data.webdataset;

/**
 * A data problem that stops the run with a message meant for the user: a path that does not
 * exist, a pattern that matches nothing, an unknown epoch size, a worker whose shards hold no
 * usable sample. Bad samples and damaged shards met while training do not throw: they are
 * skipped and counted in {@link WebDatasetStats}.
 */
public class WebDatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WebDatasetException(String message) {
        super(message);
    }

    public WebDatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
