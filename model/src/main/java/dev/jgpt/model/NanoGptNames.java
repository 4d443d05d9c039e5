package dev.jgpt.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * Puts a layer's parameters under nanoGPT's names: a Linear's {@code weight} and {@code bias}, a
 * LayerNorm's gain and shift as {@code weight} and {@code bias}.
 */
final class NanoGptNames {

    private NanoGptNames() {}

    static void linear(String prefix, Block linear, Map<String, Parameter> named) {
        named.put(prefix + "weight", linear.getParameters().get("weight"));
        named.put(prefix + "bias", linear.getParameters().get("bias"));
    }

    static void layerNorm(String prefix, Block layerNorm, Map<String, Parameter> named) {
        named.put(prefix + "weight", layerNorm.getParameters().get("gamma"));
        named.put(prefix + "bias", layerNorm.getParameters().get("beta"));
    }
}
