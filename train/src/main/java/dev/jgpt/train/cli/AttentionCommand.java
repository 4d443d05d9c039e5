package dev.jgpt.train.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.chart.AttentionGrid;
import dev.jgpt.train.chart.ChartFile;
import dev.jgpt.train.inspect.TokenLabels;
import dev.jgpt.train.store.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jgpt attention}: the attention weights of every layer and head for a short text. */
@Command(
        name = "attention",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Draw the attention weights of every layer and head for a short text, as a grid of heatmaps.")
final class AttentionCommand implements Callable<Integer> {

    @Mixin CheckpointOption checkpoint;

    @Option(names = "--text", required = true, description = "The text to run through the model: at most block_size characters (a few dozen read best).")
    String text;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The picture: FILE.png or FILE.svg.")
    Path out;

    @Override
    public Integer call() {
        ChartFile.checkFormat(out);
        Checkpoint loaded = checkpoint.open();
        Vocabulary vocabulary = loaded.vocabulary();
        Vocabulary.Encoded encoded = vocabulary.encode(text);
        int[] ids = encoded.ids();
        if (ids.length == 0) {
            throw new IllegalArgumentException("--text is empty");
        }
        int blockSize = loaded.config().blockSize();
        if (ids.length > blockSize) {
            throw new IllegalArgumentException(
                    "--text has " + ids.length + " characters; the model sees at most block_size = " + blockSize);
        }
        if (encoded.unknownCount() > 0) {
            System.err.println("warning: " + encoded.unknownCount() + " character(s) are not in the model's vocabulary and were read as <unk>");
        }
        float[][][][] weights;
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = loaded.loadModel(manager);
            NDArray tokens = manager.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length));
            NDList layers = gpt.attentionWeights(new ParameterStore(manager, false), tokens);
            weights = new float[layers.size()][][][];
            for (int layer = 0; layer < layers.size(); layer++) {
                weights[layer] = heads(layers.get(layer), ids.length);
            }
        }
        List<String> labels = Arrays.stream(ids).mapToObj(id -> TokenLabels.compact(vocabulary.token(id))).toList();
        new AttentionGrid(weights, labels).write(out);
        System.out.println("wrote " + out + " (" + weights.length + " layers × " + weights[0].length + " heads, " + ids.length + " positions)");
        return 0;
    }

    /** (1, nh, T, T) → [head][query][key]. */
    private static float[][][] heads(NDArray layer, int time) {
        int heads = Math.toIntExact(layer.getShape().get(1));
        float[] flat = layer.toFloatArray();
        float[][][] out = new float[heads][time][time];
        for (int head = 0; head < heads; head++) {
            for (int query = 0; query < time; query++) {
                System.arraycopy(flat, (head * time + query) * time, out[head][query], 0, time);
            }
        }
        return out;
    }
}
