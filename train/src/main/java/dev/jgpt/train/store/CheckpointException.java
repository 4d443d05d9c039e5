package dev.jgpt.train.store;

/** A checkpoint that cannot be written or read as asked; the message names the path and the problem. */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
