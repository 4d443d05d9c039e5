package dev.jgpt.train.store;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW's moments in safetensors, as checkpoints and export folders keep them: each trained
 * weight's under its nanoGPT name, {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}, as
 * {@code torch.optim.AdamW} calls them. A tied head has none of its own. The step count is kept
 * beside the file (state.json, config.json), and before the first step there is no file.
 */
final class OptimizerState {

    static final String FILE = "optimizer.safetensors";
    private static final String MEAN = ".exp_avg";
    private static final String VARIANCE = ".exp_avg_sq";

    private OptimizerState() {}

    /** Writes {@code optimizer}'s moments for {@code gpt} to {@code file}; nothing before the first step. */
    static void write(Path file, Gpt gpt, AdamW optimizer) throws IOException {
        Map<Parameter, String> djlName = djlNames(gpt);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        gpt.namedParameters().forEach((name, parameter) -> {
            AdamW.Moments moments = optimizer.state().get(djlName.get(parameter));
            if (moments != null) {
                tensors.put(name + MEAN, moments.mean());
                tensors.put(name + VARIANCE, moments.variance());
            }
        });
        if (!tensors.isEmpty()) {
            Safetensors.write(file, tensors);
        }
    }

    /** Restores {@code optimizer} for {@code gpt} from {@code file}, at step {@code stepCount}. */
    static void read(Path file, Gpt gpt, AdamW optimizer, long stepCount) throws IOException {
        if (stepCount == 0) {
            optimizer.restore(0, Map.of(), gpt.getParameters());
            return;
        }
        Safetensors.checkHeader(file);
        Map<Parameter, String> djlName = djlNames(gpt);
        try (NDManager scope = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = Safetensors.read(file, scope);
            Map<String, AdamW.Moments> moments = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> named : gpt.namedParameters().entrySet()) {
                NDArray mean = tensors.remove(named.getKey() + MEAN);
                NDArray variance = tensors.remove(named.getKey() + VARIANCE);
                if (mean != null && variance != null) {
                    moments.put(djlName.get(named.getValue()), new AdamW.Moments(mean, variance));
                } else if (mean != null || variance != null) {
                    throw new IOException(file + " holds only one of " + named.getKey() + MEAN + " and " + VARIANCE);
                }
            }
            if (!tensors.isEmpty()) {
                throw new IOException(file + " holds tensors that are no moments of this model: " + tensors.keySet());
            }
            optimizer.restore(stepCount, moments, gpt.getParameters());
        }
    }

    /** DJL's name of each parameter (a shared one keeps its first), which AdamW keys its state by. */
    private static Map<Parameter, String> djlNames(Gpt gpt) {
        Map<Parameter, String> djlName = new IdentityHashMap<>();
        for (Pair<String, Parameter> parameter : gpt.getParameters()) {
            djlName.putIfAbsent(parameter.getValue(), parameter.getKey());
        }
        return djlName;
    }
}
