package dev.jgpt.data;

/**
 * A problem with the data a user asked for: a missing or malformed file, a column that is not
 * there, a split too short for the block size. Its message is one sentence that names the value,
 * meant to be printed as it is, without a stack trace.
 */
public class CorpusException extends RuntimeException {

    /** Creates the exception with the sentence to show the user. */
    public CorpusException(String message) {
        super(message);
    }

    /** Creates the exception with the sentence to show the user and the failure behind it. */
    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
