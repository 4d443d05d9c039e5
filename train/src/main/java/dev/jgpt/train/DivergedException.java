package dev.jgpt.train;

/** Training stopped because too many steps in a row had a non-finite loss or gradient norm. */
public class DivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DivergedException(String message) {
        super(message);
    }
}
