package dev.jgpt.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.Scalars;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Forward and backward of a micro-batch on both cores without torch's intra-op threads: its first
 * half of rows on the calling thread through the model's parameters, its second half at the same
 * time on a worker thread through aliases of them (the same storage, but autograd leaves of their
 * own, so each half's gradient lands apart and nothing races), each thread with one intra-op
 * thread. Tiny ops on two OpenMP threads spend their time at barriers; two independent threads do
 * not. {@link #sumGradients} then adds the aliases' gradients to the parameters' in the
 * parameters' order, so the result does not depend on which thread finished first.
 *
 * <p>Each half's loss is divided by the whole micro-batch's counted targets, so the two add up to
 * its mean as {@link CrossEntropy} computes it, up to float rounding. Only without dropout: torch
 * draws masks from one generator for all threads, so two threads would draw them in a racing order.
 */
final class BatchHalves {

    private static final NDIndex EVERYTHING = new NDIndex("...");
    /** One worker for the JVM: DJL allows one gradient collector, so one step runs at a time. */
    private static ExecutorService worker;

    private final Gpt gpt;
    private final ParameterStore parameterStore;
    private final Aliases aliases;

    private BatchHalves(Gpt gpt, ParameterStore parameterStore) {
        this.gpt = gpt;
        this.parameterStore = parameterStore;
        this.aliases = new Aliases(gpt.getParameters());
    }

    /**
     * Halves for {@code gpt}'s steps where they can pay and stay exact: torch runs on two or more
     * intra-op threads (not --threads 1), on the CPU, without dropout; otherwise null.
     */
    static BatchHalves where(Gpt gpt, ParameterStore parameterStore) {
        Engine.getInstance(); // loads libtorch
        boolean cpu = gpt.getParameters().valueAt(0).getArray().getDevice().getDeviceType().equals(Device.Type.CPU);
        if (!cpu || gpt.config().dropout() > 0 || JniUtils.getNumThreads() < 2) {
            return null;
        }
        return new BatchHalves(gpt, parameterStore);
    }

    /**
     * Runs forward and backward of {@code batch} (two rows or more) in two halves, each loss
     * divided by {@code microBatches} before backward as one micro-batch's would be.
     *
     * @return the micro-batch's mean loss, in {@code scope}
     */
    NDArray lossAndBackward(NDManager scope, GradientCollector collector, Batch batch, int microBatches) {
        int total = batch.countedTargets();
        Integer paddingId = gpt.config().paddingIdx();
        Batch first = batch.rows(0, batch.batchSize() / 2, paddingId);
        Batch second = batch.rows(batch.batchSize() / 2, batch.batchSize(), paddingId);
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1); // this thread's OpenMP and MKL settings; the worker sets its own
        try (NDManager secondScope = scope.newSubManager()) {
            Future<NDArray> secondLoss = worker().submit(() -> {
                JniUtils.setGradMode(true);
                JniUtils.setNumThreads(1);
                return backward(collector, CrossEntropy.of(gpt, aliases, secondScope, second, total, true), microBatches);
            });
            NDArray loss = backward(collector, CrossEntropy.of(gpt, parameterStore, scope, first, total, true), microBatches);
            return loss.add(secondLoss.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the second half of a batch ran", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    /** Adds the second halves' gradients to the parameters' and zeroes them, outside autograd. */
    void sumGradients() {
        try (NDManager scope = aliases.pairs.get(0).getKey().getManager().newSubManager()) {
            NDArray zero = scope.full(new Shape(), 0f);
            for (Pair<NDArray, NDArray> pair : aliases.pairs) {
                NDArray gradient = pair.getKey().getGradient();
                NDArray secondGradient = pair.getValue().getGradient();
                gradient.attach(scope); // fresh wrappers per call; closed with the scope
                secondGradient.attach(scope);
                gradient.addi(secondGradient);
                secondGradient.set(EVERYTHING, zero); // assigned, not multiplied by zero, which would keep NaN
            }
        }
    }

    private static NDArray backward(GradientCollector collector, NDArray loss, int microBatches) {
        collector.backward(loss.div(Scalars.of(loss, microBatches)));
        return loss;
    }

    private static synchronized ExecutorService worker() {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "jgpt-second-half");
                thread.setDaemon(true);
                return thread;
            });
        }
        return worker;
    }

    /**
     * The model's parameters as a second set of autograd leaves: each a detached view of its
     * parameter's storage, so the optimizer's in-place updates reach it without a copy.
     */
    private static final class Aliases extends ParameterStore {

        private final Map<Parameter, NDArray> byParameter = new IdentityHashMap<>();
        /** (parameter's array, its alias) for each trained parameter once, in the model's order. */
        private final List<Pair<NDArray, NDArray>> pairs = new ArrayList<>();

        Aliases(PairList<String, Parameter> parameters) {
            for (Parameter parameter : parameters.values()) {
                if (byParameter.containsKey(parameter)) {
                    continue; // shared by two blocks (a tied head)
                }
                NDArray alias = parameter.getArray().stopGradient();
                if (parameter.requiresGradient()) {
                    alias.setRequiresGradient(true);
                    pairs.add(new Pair<>(parameter.getArray(), alias));
                }
                byParameter.put(parameter, alias);
            }
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            return parameter == null ? null : byParameter.get(parameter);
        }
    }
}
