package dev.jgpt.data;

import java.util.Locale;

/** The two parts a corpus is split into: the first 90% to train on, the last 10% to validate. */
public enum Split {
    /** The part the model learns from. */
    TRAIN,
    /** The held-out part the loss is evaluated on. */
    VAL;

    /** The split's name as shown to users: "train" or "val". */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
