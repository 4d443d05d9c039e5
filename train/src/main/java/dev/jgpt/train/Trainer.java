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
import dev.jgpt.train.chart.LossPlot;
import dev.jgpt.train.optim.AdamW;
import dev.jgpt.train.optim.CosineSchedule;
import dev.jgpt.train.optim.GradientClipping;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The training loop, as nanoGPT's train.py: every eval_interval estimate the losses and save a
 * checkpoint; every iteration get a batch, forward, backward, clip, step; every log_interval print
 * and record a line.
 *
 * <p>One Trainer at a time per JVM: DJL allows one gradient collector per process, so a second
 * Trainer opened while one is open is refused. A step whose loss or gradient norm is not finite
 * is skipped (the weights stay as they were); max_nonfinite_steps of them in a row stop the run.
 */
public final class Trainer implements AutoCloseable {

    private static final AtomicBoolean OPEN = new AtomicBoolean();

    private final TrainConfig config;
    private final Corpus corpus;
    private final NDManager manager;
    private final Gpt gpt;
    private final PairList<String, Parameter> parameters;
    private final ParameterStore parameterStore;
    private final AdamW optimizer;
    private final CosineSchedule schedule;
    private final CheckpointStore checkpoints;
    private final Progress progress;
    private MetricsLog metrics; // opened by train(), so that a benchmark writes nothing
    private boolean plotLoss = true;
    private LossPlot lossPlot; // likewise
    private final PrintStream out;

    private int iter;
    private Float bestValLoss;
    private int savedAt; // the iteration of the last checkpoint saved or resumed from, else -1
    private final int resumedAt;
    private int nonFiniteInARow;
    private boolean closed;
    private LongSupplier clock = System::nanoTime;

    private Trainer(TrainConfig config, Corpus corpus, Checkpoint resumeFrom, SavedModel initialWeights, PrintStream out) {
        if (!OPEN.compareAndSet(false, true)) {
            throw new IllegalStateException(
                    "another Trainer is open in this JVM: DJL allows one gradient collector per process, so train one model at a time and close the other Trainer first");
        }
        try {
            this.config = config;
            this.corpus = corpus;
            this.out = out;
            manager = NDManager.newBaseManager(Device.fromName(config.device()));
            if (resumeFrom == null) {
                Engine.getInstance().setRandomSeed(Math.toIntExact(config.seed() & 0x7fffffff));
                gpt = new Gpt(config.model(corpus.tokenizer()));
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
            savedAt = resumedAt;
            schedule = new CosineSchedule(config.lr(), config.minLr(), config.warmupIters(), config.lrDecayIters());
            checkpoints = new CheckpointStore(Path.of(config.outDir()));
            progress = new Progress(config.maxIters(), config.evalInterval());
        } catch (RuntimeException e) {
            OPEN.set(false);
            throw e;
        }
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

    /** A run that goes on from {@code checkpoint}, with the same schedule and data order. */
    public static Trainer resume(TrainConfig config, Corpus corpus, Checkpoint checkpoint, PrintStream out) {
        return new Trainer(config, corpus, checkpoint, null, out);
    }

    /** Whether {@link #train} redraws {@code <out-dir>/loss.png} at every evaluation (default: yes). */
    public void plotLoss(boolean on) {
        plotLoss = on;
    }

    /** Trains until max_iters. */
    public void train() {
        train(() -> false);
    }

    /**
     * Trains until max_iters, or until {@code stopRequested} says so between two steps: then it
     * saves a checkpoint at that iteration (unless one was just saved there) and returns false.
     *
     * @return true when the run reached max_iters
     * @throws DivergedException after max_nonfinite_steps non-finite steps in a row
     */
    public boolean train(BooleanSupplier stopRequested) {
        if (metrics == null) {
            metrics = MetricsLog.open(Path.of(config.outDir()).resolve("metrics.csv"), resumedAt);
        }
        if (plotLoss && lossPlot == null) {
            lossPlot = new LossPlot(Path.of(config.outDir()), out);
        }
        out.printf(Locale.ROOT, "training %s: %,d parameters, %,d tokens per iteration%n", gpt.config(), gpt.parameterCount(), config.tokensPerIter());
        while (true) {
            boolean evalDue = config.evalInterval() > 0 && iter % config.evalInterval() == 0 || iter == config.maxIters();
            if (evalDue && iter != savedAt) {
                long start = clock.getAsLong();
                evaluateAndSave();
                progress.evaluationDone(clock.getAsLong() - start);
            }
            if (iter >= config.maxIters()) {
                return true;
            }
            if (stopRequested.getAsBoolean()) {
                if (iter != savedAt) {
                    save(false);
                }
                return false;
            }

            float lr = schedule.at(iter);
            long start = clock.getAsLong();
            Step step = step(lr);
            progress.stepDone(clock.getAsLong() - start);
            if (!step.isFinite()) {
                skipped(step);
            } else {
                nonFiniteInARow = 0;
            }
            if (iter % config.logInterval() == 0 || iter == config.maxIters() - 1) {
                double ms = progress.takeMsPerStep();
                double tokensPerSecond = config.tokensPerIter() / (ms / 1000);
                out.printf(Locale.ROOT, "%s: loss %.4f, lr %.2e, %.1f ms/iter, %,.0f tokens/s, ETA %s%n",
                        progress.position(iter), step.loss(), lr, ms, tokensPerSecond, progress.eta(iter));
                metrics.step(iter, lr, step.loss(), ms, tokensPerSecond);
            }
            iter++;
        }
    }

    private void skipped(Step step) {
        nonFiniteInARow++;
        out.printf(Locale.ROOT, "warning: iter %d: loss %s, gradient norm %s: step skipped, weights unchanged (%d in a row; %d stop the run)%n",
                iter, step.loss(), step.gradientNorm(), nonFiniteInARow, config.maxNonfiniteSteps());
        if (nonFiniteInARow >= config.maxNonfiniteSteps()) {
            throw new DivergedException(String.format(Locale.ROOT,
                    "training diverged: %d steps in a row (to iteration %d) had a NaN or infinite loss or gradient norm and were skipped; "
                            + "%s; try a lower --lr (now %s) or --grad-clip 1",
                    nonFiniteInARow, iter, savedAt >= 0 ? "the last checkpoint is iteration " + savedAt : "no checkpoint was saved", config.lr()));
        }
    }

    /**
     * Runs the step of the current iteration and moves to the next, without logging, evaluating or
     * saving anything: what {@code jgpt bench} times.
     *
     * @return the step's loss
     */
    public float benchmarkStep() {
        float loss = step(schedule.at(iter)).loss();
        iter++;
        return loss;
    }

    /** What one optimizer step measured: the mean loss of its micro-batches and the gradient norm. */
    private record Step(float loss, float gradientNorm) {
        boolean isFinite() {
            return Float.isFinite(loss) && Float.isFinite(gradientNorm);
        }
    }

    /** One optimizer step at rate {@code lr}; not applied when its loss or gradient norm is not finite. */
    private Step step(float lr) {
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
            // In-place updates of the weights, outside autograd on whatever thread trains.
            try (NoGrad noGrad = new NoGrad()) {
                float loss = lossSum.getFloat() / config.gradAccum();
                float norm = GradientClipping.clipGlobalNorm(parameters, config.gradClip()); // 0: measures only
                Step step = new Step(loss, norm);
                if (step.isFinite()) {
                    optimizer.step(parameters, lr);
                }
                optimizer.zeroGradients(parameters);
                return step;
            }
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
        out.println("evaluating...");
        float trainLoss = estimateLoss(Split.TRAIN, Seeds.EVAL_TRAIN);
        float valLoss = estimateLoss(Split.VAL, Seeds.EVAL_VAL);
        boolean improved = Float.isFinite(valLoss) && (bestValLoss == null || valLoss < bestValLoss);
        if (improved) {
            bestValLoss = valLoss;
        }
        out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f%s%n", iter, trainLoss, valLoss, improved ? " (best)" : "");
        metrics.evaluation(iter, schedule.at(iter), trainLoss, valLoss);
        if (lossPlot != null) {
            lossPlot.refresh();
        }
        save(improved);
    }

    /** Mean loss over eval_iters batches in eval mode: no dropout, no gradient. */
    private float estimateLoss(Split split, int stream) {
        Random random = new Random(Seeds.of(config.seed(), iter, stream));
        double sum = 0;
        try (NoGrad noGrad = new NoGrad()) {
            for (int k = 0; k < config.evalIters(); k++) {
                try (NDManager scope = manager.newSubManager()) {
                    Batch batch = corpus.batch(split, config.batchSize(), config.blockSize(), random);
                    sum += batchLoss(scope, batch, false).getFloat();
                }
            }
        }
        return (float) (sum / config.evalIters());
    }

    private void save(boolean isBest) {
        Path saved = checkpoints.save(iter, bestValLoss, config, corpus.tokenizer(), gpt, optimizer, isBest);
        savedAt = iter;
        out.println("saved " + saved + (isBest ? " (best)" : ""));
    }

    /**
     * Records the loss over the whole val split, and its bits per byte, measured after training, in
     * the metrics row of the current iteration.
     */
    public void recordWholeValLoss(float loss, float bitsPerByte) {
        if (metrics != null) {
            metrics.wholeValLoss(iter, loss, bitsPerByte);
        }
    }

    /** Times steps and evaluations with {@code clock} (nanoseconds) instead of the system's: for tests. */
    void useClock(LongSupplier clock) {
        this.clock = clock;
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
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (metrics != null) {
                metrics.close();
            }
            optimizer.close();
            manager.close();
        } finally {
            OPEN.set(false);
        }
    }
}
