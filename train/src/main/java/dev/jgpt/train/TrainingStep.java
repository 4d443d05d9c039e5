package dev.jgpt.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.Scalars;
import dev.jgpt.train.optim.AdamW;
import dev.jgpt.train.optim.GradientClipping;
import java.util.List;

/**
 * One optimizer step, as in nanoGPT's train.py: forward and loss over the micro-batches, backward
 * (each loss divided by their number, so gradients add up to the mean's), clip the global gradient
 * norm, AdamW, zero the gradients. A step whose loss or gradient norm is not finite is not applied:
 * the weights stay as they were. The trainer, {@code jgpt bench} and the PyTorch lockstep test all
 * run this step.
 */
public final class TrainingStep {

    private final Gpt gpt;
    private final ParameterStore parameterStore;
    private final PairList<String, Parameter> parameters;
    private final AdamW optimizer;
    private final float gradClip;

    /** @param gradClip the largest global gradient norm; 0 measures the norm without clipping */
    public TrainingStep(Gpt gpt, ParameterStore parameterStore, AdamW optimizer, float gradClip) {
        this.gpt = gpt;
        this.parameterStore = parameterStore;
        this.parameters = gpt.getParameters();
        this.optimizer = optimizer;
        this.gradClip = gradClip;
    }

    /** What one step measured: the mean loss of its micro-batches and the gradient norm before clipping. */
    public record Result(float loss, float gradientNorm) {
        public boolean isFinite() {
            return Float.isFinite(loss) && Float.isFinite(gradientNorm);
        }
    }

    /** Runs the step over {@code microBatches} at learning rate {@code lr}; its arrays live in {@code scope}. */
    public Result run(NDManager scope, List<Batch> microBatches, float lr) {
        NDArray lossSum = null;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            for (Batch batch : microBatches) {
                NDArray loss = CrossEntropy.of(gpt, parameterStore, scope, batch, true);
                collector.backward(loss.div(Scalars.of(loss, microBatches.size())));
                lossSum = lossSum == null ? loss : lossSum.add(loss);
            }
        }
        // In-place updates of the weights, outside autograd on whatever thread trains.
        try (NoGrad noGrad = new NoGrad()) {
            Result result = new Result(lossSum.getFloat() / microBatches.size(), GradientClipping.clipGlobalNorm(parameters, gradClip));
            if (result.isFinite()) {
                optimizer.step(parameters, lr);
            }
            optimizer.zeroGradients(parameters);
            return result;
        }
    }
}
