package dev.jgpt.train.store;

/** Gson's parse errors in a user's words. */
public final class JsonError {

    private JsonError() {}

    /**
     * What went wrong and where, as one line ("Unterminated object at line 1 column 14 path
     * $.n-layer"): Gson wraps the reader's exception, prefixes its class name and appends a link to
     * its troubleshooting guide, none of which helps a user mend a file.
     */
    public static String describe(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause().getMessage() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.lines().findFirst().orElse(message).replaceFirst("^[\\w.]+(Exception|Error): ", "");
    }
}
