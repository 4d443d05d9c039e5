package dev.jgpt.model;

import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;

/**
 * GPT-2's initialisation, as nanoGPT does it, or the plain one; biases start at zero (DJL's
 * default for them). See {@link GptConfig.Init}.
 */
final class InitScales {

    /** Standard deviation of every linear weight. */
    static final float LINEAR_STD = 0.02f;

    private InitScales() {}

    /**
     * Projections that add into the residual stream start smaller, 0.02 / sqrt(2 · n_layer), so
     * that the stream's variance does not grow with depth (two such additions per block); the plain
     * init draws them like every other linear weight.
     */
    static float residualStd(GptConfig config) {
        if (config.init() == GptConfig.Init.PLAIN) {
            return LINEAR_STD;
        }
        return (float) (LINEAR_STD / Math.sqrt(2.0 * config.nLayer()));
    }

    static void normal(Linear linear, float std) {
        linear.setInitializer(new NormalInitializer(std), Parameter.Type.WEIGHT);
    }
}
