package dev.jgpt.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/** Rescales gradients so that together they are no longer than a bound, as torch's {@code clip_grad_norm_} does. */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Measures the L2 norm of all gradients of the parameters that require one, taken together as
     * one vector, and when it exceeds {@code maxNorm} scales every gradient in place by
     * {@code maxNorm / (norm + 1e-6)}.
     *
     * @param parameters the model's parameters
     * @param maxNorm the largest norm left unscaled; 0 or less only measures
     * @return the norm before clipping; NaN or infinity if a gradient holds one, and then nothing is
     *     scaled, so the caller can see it and decide
     */
    public static float clipGlobalNorm(PairList<String, Parameter> parameters, float maxNorm) {
        List<NDArray> weights = new ArrayList<>(TrainedParameters.arrays(parameters).values());
        if (weights.isEmpty()) {
            return 0f;
        }
        try (NDManager scope = weights.get(0).getManager().newSubManager()) {
            List<NDArray> gradients = new ArrayList<>();
            NDList norms = new NDList();
            for (NDArray weight : weights) {
                NDArray gradient = weight.getGradient();
                gradient.attach(scope); // a fresh wrapper per call; closed with the scope
                gradients.add(gradient);
                norms.add(gradient.norm());
            }
            float totalNorm = NDArrays.stack(norms).norm().getFloat(); // the only read back to the host
            float coefficient = maxNorm / (totalNorm + 1e-6f);
            if (maxNorm > 0 && coefficient < 1 && Float.isFinite(totalNorm)) {
                NDArray factor = scope.full(new Shape(), coefficient); // one native scalar, not one per gradient
                for (NDArray gradient : gradients) {
                    gradient.muli(factor);
                }
            }
            return totalNorm;
        }
    }
}
