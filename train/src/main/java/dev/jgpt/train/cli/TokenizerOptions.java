package dev.jgpt.train.cli;

import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.TokenizerSpec;
import picocli.CommandLine.Option;

/** The flags that choose a corpus's tokenizer, shared by {@code jgpt train} and {@code jgpt prepare}. */
final class TokenizerOptions {

    @Option(names = "--tokenizer", paramLabel = "char|bpe|gpt2", description = "Tokens: characters, a byte-level BPE learned from the train split, or GPT-2's encoding (default: char; a run keeps its own).")
    String kind;

    @Option(names = "--vocab-size", paramLabel = "N", description = "Ids of a --tokenizer bpe, at least 260 (default: " + TokenizerSpec.DEFAULT_BPE_SIZE + ").")
    Integer vocabSize;

    @Option(names = "--tokenizer-sample-bytes", paramLabel = "N", description = "Most bytes of the train split a BPE learns from (default: ${DEFAULT-VALUE}).")
    long sampleBytes = TokenizerSpec.DEFAULT_SAMPLE_BYTES;

    /** The tokenizer asked for; refuses bad flags in one line. */
    TokenizerSpec spec() {
        return TokenizerSpec.of(kind == null ? "char" : kind, vocabSize, sampleBytes);
    }

    /** Refuses a typed --tokenizer or --vocab-size that is not the model's: a run keeps its tokenizer. */
    void checkAgainst(Tokenizer model, Object where) {
        spec();
        if (kind != null && !kind.equals(model.kind())) {
            throw new IllegalArgumentException("--tokenizer " + kind + " does not match " + where + "'s "
                    + model.kind() + ": a run keeps its tokenizer");
        }
        if (vocabSize != null && vocabSize != model.size()) {
            throw new IllegalArgumentException("--vocab-size " + vocabSize + " does not match " + where + "'s "
                    + model.size() + " tokens: a run keeps its tokenizer");
        }
    }
}
