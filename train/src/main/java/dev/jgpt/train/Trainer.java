package dev.jgpt.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.data.Batch;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.Split;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.Scalars;
import dev.jgpt.train.optim.AdamW;
import dev.jgpt.train.optim.CosineSchedule;
import dev.jgpt.train.optim.GradientClipping;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * The training loop, as nanoGPT's train.py: every eval_interval estimate the losses and save a
 * checkpoint; every iteration get a batch, forward, backward, clip, step; every log_interval print
 * and record a line.
 */
public final class Trainer implements AutoCloseable {

    private final TrainConfig config;
    private final Corpus corpus;
    private final NDManager manager;
    private final Gpt gpt;
    private final PairList<String, Parameter> parameters;
    private final ParameterStore parameterStore;
    private final AdamW optimizer;
    private final CosineSchedule schedule;
    private final CheckpointStore checkpoints;
    private MetricsLog metrics; // opened by train(), so that a benchmark writes nothing
    private final PrintStream out;

    private int iter;
    private Float bestValLoss;
    private final int resumedAt;

    private Trainer(TrainConfig config, Corpus corpus, Checkpoint resumeFrom, SavedModel initialWeights, PrintStream out) {
        this.config = config;
        this.corpus = corpus;
        this.out = out;
        manager = NDManager.newBaseManager(Device.fromName(config.device()));
        if (resumeFrom == null) {
            Engine.getInstance().setRandomSeed(Math.toIntExact(config.seed() & 0x7fffffff));
            gpt = new Gpt(config.model(corpus.vocabulary()));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, config.blockSize()));
            if (initialWeights != null) {
                initialWeights.loadWeights(gpt, manager);
            }
        } else {
            gpt = resumeFrom.loadModel(manager);
        }
        parameters = gpt.getParameters();
        parameterStore = new ParameterStore(manager, false);
        optimizer = new AdamW(config.beta1(), config.beta2(), config.weightDecay());
        if (resumeFrom != null) {
            resumeFrom.loadOptimizer(optimizer, gpt);
            iter = resumeFrom.iter();
            bestValLoss = resumeFrom.bestValLoss();
        }
        resumedAt = resumeFrom == null ? -1 : resumeFrom.iter();
        schedule = new CosineSchedule(config.lr(), config.minLr(), config.warmupIters(), config.maxIters());
        checkpoints = new CheckpointStore(Path.of(config.outDir()));
    }

    /** A new run with fresh weights. */
    public static Trainer start(TrainConfig config, Corpus corpus, PrintStream out) {
        return new Trainer(config, corpus, null, null, out);
    }

    /**
     * A new run whose weights start as {@code weights}' (a model of the same architecture and
     * vocabulary), with a fresh optimizer at iteration 0.
     */
    public static Trainer startFrom(TrainConfig config, Corpus corpus, SavedModel weights, PrintStream out) {
        return new Trainer(config, corpus, null, weights, out);
    }

    /** A run that goes on from {@code checkpoint}, with the same schedule position and data order. */
    public static Trainer resume(TrainConfig config, Corpus corpus, Checkpoint checkpoint, PrintStream out) {
        return new Trainer(config, corpus, checkpoint, null, out);
    }

    /** Trains until max_iters. */
    public void train() {
        train(config.maxIters());
    }

    /**
     * Trains until iteration {@code stopAt} (at most max_iters), then saves a checkpoint there, as
     * a run killed right after that save would have left it.
     */
    public void train(int stopAt) {
        int end = Math.min(stopAt, config.maxIters());
        if (metrics == null) {
            metrics = new MetricsLog(Path.of(config.outDir()).resolve("metrics.csv"));
        }
        out.printf(Locale.ROOT, "training %s: %,d parameters, %,d tokens per iteration%n", gpt.config(), gpt.parameterCount(), config.tokensPerIter());
        long windowStart = System.nanoTime();
        int windowIters = 0;
        while (true) {
            boolean evalDue = config.evalInterval() > 0 && iter % config.evalInterval() == 0;
            if ((evalDue || iter == config.maxIters()) && iter != resumedAt) {
                evaluateAndSave();
                windowStart = System.nanoTime(); // time training steps only
            } else if (iter == end && iter != resumedAt) {
                save(false);
            }
            if (iter >= end) {
                break;
            }
            boolean logDue = iter % config.logInterval() == 0 || iter == end - 1;
            float loss = step(logDue);
            windowIters++;
            if (logDue) {
                double ms = (System.nanoTime() - windowStart) / 1e6 / windowIters;
                double tokensPerSecond = config.tokensPerIter() / (ms / 1000);
                out.printf(Locale.ROOT, "iter %d: loss %.4f, lr %.2e, %.1f ms/iter, %,.0f tokens/s%n", iter, loss, schedule.at(iter), ms, tokensPerSecond);
                metrics.step(iter, schedule.at(iter), loss, ms, tokensPerSecond);
                windowStart = System.nanoTime();
                windowIters = 0;
            }
            iter++;
        }
    }

    /**
     * Runs the step of the current iteration and moves to the next, without logging, evaluating or
     * saving anything: what {@code jgpt bench} times.
     *
     * @return the step's loss if {@code readLoss}, else NaN (reading it waits for the device)
     */
    public float benchmarkStep(boolean readLoss) {
        float loss = step(readLoss);
        iter++;
        return loss;
    }

    /** One optimizer step; returns the mean loss over its micro-batches when asked, else NaN. */
    private float step(boolean readLoss) {
        long seed = Seeds.of(config.seed(), iter, Seeds.TRAIN);
        Random random = new Random(seed);
        Engine.getInstance().setRandomSeed((int) seed); // dropout masks of this step
        try (NDManager scope = manager.newSubManager()) {
            NDArray lossSum = null;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int micro = 0; micro < config.gradAccum(); micro++) {
                    Batch batch = corpus.batch(Split.TRAIN, config.batchSize(), config.blockSize(), random);
                    NDArray loss = batchLoss(scope, batch, true);
                    collector.backward(loss.div(Scalars.of(loss, config.gradAccum())));
                    lossSum = lossSum == null ? loss : lossSum.add(loss);
                }
            }
            if (config.gradClip() > 0) {
                GradientClipping.clipGlobalNorm(parameters, config.gradClip());
            }
            optimizer.step(parameters, schedule.at(iter));
            optimizer.zeroGradients(parameters);
            return readLoss ? lossSum.getFloat() / config.gradAccum() : Float.NaN;
        }
    }

    private NDArray batchLoss(NDManager scope, Batch batch, boolean training) {
        Shape shape = new Shape(batch.batchSize(), batch.blockSize());
        NDArray inputs = scope.create(batch.inputs(), shape);
        NDArray targets = scope.create(batch.targets(), shape);
        NDArray logits = gpt.logits(parameterStore, inputs, training);
        return CrossEntropy.loss(logits, targets, batch.countedTargets(), gpt.config().paddingIdx());
    }

    private void evaluateAndSave() {
        float trainLoss = estimateLoss(Split.TRAIN, Seeds.EVAL_TRAIN);
        float valLoss = estimateLoss(Split.VAL, Seeds.EVAL_VAL);
        boolean improved = bestValLoss == null || valLoss < bestValLoss;
        if (improved) {
            bestValLoss = valLoss;
        }
        out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f%s%n", iter, trainLoss, valLoss, improved ? " (best)" : "");
        metrics.eval(iter, schedule.at(Math.min(iter, config.maxIters())), trainLoss, valLoss);
        save(improved);
    }

    /** Mean loss over eval_iters batches in eval mode: no dropout, no gradient. */
    private float estimateLoss(Split split, int stream) {
        Random random = new Random(Seeds.of(config.seed(), iter, stream));
        double sum = 0;
        for (int k = 0; k < config.evalIters(); k++) {
            try (NDManager scope = manager.newSubManager()) {
                Batch batch = corpus.batch(split, config.batchSize(), config.blockSize(), random);
                sum += batchLoss(scope, batch, false).getFloat();
            }
        }
        return (float) (sum / config.evalIters());
    }

    private void save(boolean isBest) {
        Path saved = checkpoints.save(iter, bestValLoss, config, corpus.vocabulary(), gpt, optimizer, isBest);
        out.println("saved " + saved + (isBest ? " (best)" : ""));
    }

    /** The model being trained. */
    public Gpt model() {
        return gpt;
    }

    /** Iterations done so far. */
    public int iteration() {
        return iter;
    }

    /** The manager that holds the model, the optimizer state and every step's arrays. */
    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        optimizer.close();
        manager.close();
    }
}
