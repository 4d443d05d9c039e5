package dev.jgpt.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Picks out the parameters an optimizer works on: those that require a gradient (not frozen). */
final class TrainedParameters {

    private TrainedParameters() {}

    /**
     * Returns the arrays of the parameters that require a gradient, by name, in the model's order.
     * A parameter shared by two blocks is listed twice by DJL; like torch, it is kept once, under
     * its first name, so that it is neither stepped nor counted in the norm twice.
     */
    static Map<String, NDArray> arrays(PairList<String, Parameter> parameters) {
        Map<String, NDArray> trained = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Pair<String, Parameter> named : parameters) {
            if (named.getValue().requiresGradient() && seen.add(named.getValue())) {
                trained.put(named.getKey(), named.getValue().getArray());
            }
        }
        return trained;
    }
}
