package dev.jgpt.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.Split;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.optim.AdamW;
import dev.jgpt.train.optim.CosineSchedule;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import dev.jgpt.train.store.SavedModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The training loop, as nanoGPT's train.py: every eval_interval estimate the losses, tell the
 * {@link TrainingListener}s (the loss plot) and save a checkpoint; every iteration get the batches
 * and run the {@link TrainingStep} (forward, loss, backward, clip, AdamW); every log_interval print
 * and record a line in metrics.csv.
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
    private final ParameterStore parameterStore;
    private final AdamW optimizer;
    private final TrainingStep trainingStep;
    private final CosineSchedule schedule;
    private final CheckpointStore checkpoints;
    private final Progress progress;
    private MetricsLog metrics; // opened by train(), so that a benchmark writes nothing
    private final List<TrainingListener> listeners = new ArrayList<>();
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
            parameterStore = new ParameterStore(manager, false);
            optimizer = new AdamW(config.beta1(), config.beta2(), config.weightDecay());
            trainingStep = new TrainingStep(gpt, parameterStore, optimizer, config.gradClip());
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

    /** Tells {@code listener} of every evaluation from now on, in the order listeners were added. */
    public void addListener(TrainingListener listener) {
        listeners.add(listener);
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
            TrainingStep.Result step = step(lr);
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

    private void skipped(TrainingStep.Result step) {
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

    /** The optimizer step of the current iteration at rate {@code lr}, on its own batches and dropout masks. */
    private TrainingStep.Result step(float lr) {
        long seed = Seeds.of(config.seed(), iter, Seeds.TRAIN);
        Random random = new Random(seed);
        Engine.getInstance().setRandomSeed((int) seed); // dropout masks of this step
        List<Batch> microBatches = new ArrayList<>(config.gradAccum());
        for (int micro = 0; micro < config.gradAccum(); micro++) {
            microBatches.add(corpus.batch(Split.TRAIN, config.batchSize(), config.blockSize(), random));
        }
        try (NDManager scope = manager.newSubManager()) {
            return trainingStep.run(scope, microBatches, lr);
        }
    }

    private void evaluateAndSave() {
        out.println("evaluating...");
        float trainLoss = (float) estimate(Split.TRAIN, Seeds.EVAL_TRAIN).loss();
        Evaluation.Result val = estimate(Split.VAL, Seeds.EVAL_VAL);
        float valLoss = (float) val.loss();
        boolean improved = Float.isFinite(valLoss) && (bestValLoss == null || valLoss < bestValLoss);
        if (improved) {
            bestValLoss = valLoss;
        }
        out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f, val %.4f bits/byte%s%n",
                iter, trainLoss, valLoss, val.bitsPerByte(), improved ? " (best)" : "");
        metrics.evaluation(iter, schedule.at(iter), trainLoss, valLoss, (float) val.bitsPerByte());
        for (TrainingListener listener : listeners) {
            listener.evaluated(iter, trainLoss, valLoss);
        }
        save(improved);
    }

    /**
     * Mean loss per target over eval_iters batches of random windows in eval mode (no dropout, no
     * gradient): every target of the split is as likely to count, so it estimates the whole-split
     * loss, and with the bytes of the targets' text, its bits per byte.
     */
    private Evaluation.Result estimate(Split split, int stream) {
        Random random = new Random(Seeds.of(config.seed(), iter, stream));
        double sum = 0;
        long targets = 0;
        long bytes = 0;
        try (NoGrad noGrad = new NoGrad()) {
            for (int k = 0; k < config.evalIters(); k++) {
                try (NDManager scope = manager.newSubManager()) {
                    Batch batch = corpus.batch(split, corpus.estimateWindows(split, config.batchSize(), config.blockSize(), random),
                            config.blockSize());
                    sum += (double) CrossEntropy.of(gpt, parameterStore, scope, batch, false).getFloat() * batch.countedTargets();
                    targets += batch.countedTargets();
                    bytes += Evaluation.targetBytes(batch, corpus.tokenizer(), gpt.config().paddingIdx());
                }
            }
        }
        return new Evaluation.Result(sum / targets, targets, targets, bytes);
    }

    private void save(boolean isBest) {
        Path saved = checkpoints.save(iter, bestValLoss, config, corpus.tokenizer(), corpus.documents(), gpt, optimizer, isBest);
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
