package dev.jgpt.train.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.PairList;
import dev.jgpt.model.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * A few named parameters and a fixed loss, Σ k⊙p²/2 over every parameter p with its own fixed
 * coefficients k, so the gradient of p is k⊙p and tests can compute it in plain Java.
 */
final class ToyParameters implements AutoCloseable {

    static final float[] WEIGHT = {0.5f, -1.0f, 1.5f, -0.25f, 0.75f, 2.0f};
    static final float[] WEIGHT_COEFFICIENTS = {1.0f, 2.0f, -1.0f, 0.5f, 3.0f, -2.0f};
    static final float[] BIAS = {0.1f, -0.2f, 0.3f};
    static final float[] BIAS_COEFFICIENTS = {1.0f, -2.0f, 0.5f};

    final NDManager manager = NDManager.newBaseManager();
    final PairList<String, Parameter> parameters = new PairList<>();
    private final List<float[]> coefficients = new ArrayList<>();

    /** A 2-D "weight" (2, 3) and a 1-D "bias" (3), both trained. */
    static ToyParameters weightAndBias() {
        return new ToyParameters()
                .add("weight", WEIGHT, new Shape(2, 3), WEIGHT_COEFFICIENTS, true)
                .add("bias", BIAS, new Shape(3), BIAS_COEFFICIENTS, true);
    }

    ToyParameters add(String name, float[] values, Shape shape, float[] lossCoefficients, boolean trained) {
        Parameter parameter = Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optArray(manager.create(values, shape))
                .optRequiresGrad(trained)
                .build();
        parameter.initialize(manager, DataType.FLOAT32); // attaches a gradient when trained
        parameters.add(name, parameter);
        coefficients.add(lossCoefficients);
        return this;
    }

    /** Runs backward on the fixed loss once; gradients add up over calls. */
    void backward() {
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = scope.zeros(new Shape());
            for (int i = 0; i < parameters.size(); i++) {
                NDArray parameter = parameters.get(i).getValue().getArray();
                NDArray k = scope.create(coefficients.get(i), parameter.getShape());
                loss = loss.add(k.mul(parameter).mul(parameter).sum().div(Scalars.of(k, 2f)));
            }
            collector.backward(loss);
        }
    }

    float[] values(String name) {
        return parameters.get(name).getArray().toFloatArray();
    }

    float[] gradient(String name) {
        try (NDArray gradient = parameters.get(name).getArray().getGradient()) {
            return gradient.toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
