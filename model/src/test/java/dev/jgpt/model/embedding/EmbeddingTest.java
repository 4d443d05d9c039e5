package dev.jgpt.model.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link Embedding} option by option, checked against values computed here. */
class EmbeddingTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(7);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private Embedding initialized(Embedding.Builder builder, int vocab, int dim) {
        Embedding embedding = builder.setNumEmbeddings(vocab).setEmbeddingDim(dim).build();
        embedding.initialize(manager, DataType.FLOAT32, new Shape(1));
        return embedding;
    }

    private NDArray forward(Block block, NDArray input, boolean training) {
        return block.forward(new ParameterStore(manager, false), new NDList(input), training).singletonOrThrow();
    }

    /** Back-propagates sum(output * gradOutput) and returns the weight's gradient. */
    private float[] gradient(Embedding embedding, NDArray input, NDArray gradOutput) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(forward(embedding, input, true).mul(gradOutput).sum());
        }
        return embedding.getWeight().getArray().getGradient().toFloatArray();
    }

    private static float[] row(NDArray weight, long index) {
        return weight.get(index).toFloatArray();
    }

    @Test
    void lookupReturnsRowsForAnyShapeAndIndexType() {
        Embedding embedding = initialized(Embedding.builder(), 6, 4);
        NDArray weight = embedding.getWeight().getArray();
        for (DataType type : new DataType[] {DataType.INT64, DataType.INT32}) {
            NDArray ids = manager.create(new long[] {5, 0, 2, 2, 1, 3}, new Shape(2, 1, 3)).toType(type, false);
            NDArray out = forward(embedding, ids, false);
            assertEquals(new Shape(2, 1, 3, 4), out.getShape());
            assertArrayEquals(row(weight, 2), out.get(1, 0, 0).toFloatArray());
            assertArrayEquals(row(weight, 5), out.get(0, 0, 0).toFloatArray());

            NDArray scalar = forward(embedding, manager.create(3L).toType(type, false), false);
            assertEquals(new Shape(4), scalar.getShape());
            assertArrayEquals(row(weight, 3), scalar.toFloatArray());

            NDArray empty = forward(embedding, manager.zeros(new Shape(2, 0), type), false);
            assertEquals(new Shape(2, 0, 4), empty.getShape());
        }
    }

    @Test
    void newWeightsAreStandardNormalWithPaddingRowZeroed() {
        Embedding embedding = initialized(Embedding.builder().optPaddingIdx(-2), 1000, 64);
        NDArray weight = embedding.getWeight().getArray();
        assertEquals(998, embedding.getPaddingIdx());
        assertArrayEquals(new float[64], row(weight, 998));
        NDArray others = weight.get("0:998");
        assertEquals(0, others.mean().getFloat(), 0.01);
        assertEquals(1, others.sub(others.mean()).square().mean().sqrt().getFloat(), 0.01);
    }

    @Test
    void paddingRowIsReturnedButGetsNoGradient() {
        Embedding embedding = initialized(Embedding.builder().optPaddingIdx(1), 5, 3);
        NDArray weight = embedding.getWeight().getArray();
        weight.set(new NDIndex(1), 0.5f); // the padding row may hold anything; forward returns it
        NDArray ids = manager.create(new long[] {1, 2, 1, 4});
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, forward(embedding, ids, false).get(0).toFloatArray());

        NDArray gradOutput = manager.arange(12f).reshape(4, 3);
        float[] grad = gradient(embedding, ids, gradOutput);
        float[] expected = new float[15];
        for (int d = 0; d < 3; d++) {
            expected[2 * 3 + d] = 3 + d; // position 1 holds 2
            expected[4 * 3 + d] = 9 + d; // position 3 holds 4
        }
        assertArrayEquals(expected, grad);
    }

    @Test
    void repeatedIndicesAccumulateOrAreScaledByFrequency() {
        NDArray ids = manager.create(new long[] {3, 0, 3, 3});
        NDArray gradOutput = manager.ones(new Shape(4, 2));
        float[] plain = gradient(initialized(Embedding.builder(), 4, 2), ids, gradOutput);
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 3, 3}, plain);
        float[] scaled = gradient(initialized(Embedding.builder().optScaleGradByFreq(true), 4, 2), ids, gradOutput);
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 0, 1, 1}, scaled);
    }

    @Test
    void sparseGradientHasTheDenseValues() {
        NDArray ids = manager.create(new long[] {2, 5, 2});
        NDArray gradOutput = manager.randomNormal(new Shape(3, 4));
        Embedding dense = initialized(Embedding.builder(), 6, 4);
        Embedding sparse = Embedding.builder().optSparse(true).fromPretrained(dense.getWeight().getArray(), false);
        sparse.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertTrue(sparse.isSparse());
        assertArrayEquals(gradient(dense, ids, gradOutput), gradient(sparse, ids, gradOutput));
    }

    @Test
    void maxNormRenormalisesLookedUpRowsInPlaceInTrainingAndEval() {
        for (boolean training : new boolean[] {true, false}) {
            Embedding embedding = initialized(Embedding.builder().optMaxNorm(1.0), 6, 4);
            NDArray weight = embedding.getWeight().getArray();
            weight.set(manager.arange(24f).div(4).toFloatArray());
            float[] before = weight.toFloatArray();
            NDArray out = forward(embedding, manager.create(new long[] {4, 0, 4}), training);

            float[] row4 = row(weight, 4);
            double norm = Math.sqrt(java.util.Arrays.stream(new double[] {4, 4.25, 4.5, 4.75}).map(x -> x * x).sum());
            for (int d = 0; d < 4; d++) {
                assertEquals((before[16 + d] * (1.0 / (norm + 1e-7))), row4[d], 1e-6);
            }
            assertArrayEquals(row4, out.get(0).toFloatArray(), "output uses the renormalised row");
            // Row 0 (norm 0.94) is within max_norm; rows never looked up keep their values.
            float[] after = weight.toFloatArray();
            for (int i = 0; i < 24; i++) {
                if (i < 16 || i >= 20) {
                    assertEquals(before[i], after[i], "element " + i);
                }
            }
        }
    }

    @Test
    void maxNormUsesTheChosenNorm() {
        double[] normTypes = {1, 3, Double.POSITIVE_INFINITY};
        for (double p : normTypes) {
            Embedding embedding = initialized(Embedding.builder().optMaxNorm(0.5).optNormType(p), 3, 4);
            forward(embedding, manager.create(new long[] {0, 1, 2}), false);
            NDArray abs = embedding.getWeight().getArray().abs();
            float[] norms =
                    (Double.isInfinite(p) ? abs.max(new int[] {1}) : abs.pow(p).sum(new int[] {1}).pow(1 / p)).toFloatArray();
            for (float norm : norms) {
                assertTrue(norm <= 0.5 + 1e-6, "norm_type " + p + ": norm " + norm);
            }
        }
    }

    @Test
    void gradientDoesNotFlowThroughTheRenorm() {
        NDArray ids = manager.create(new long[] {1, 1, 0});
        NDArray gradOutput = manager.randomNormal(new Shape(3, 3));
        Embedding limited = initialized(Embedding.builder().optMaxNorm(0.1), 2, 3);
        float[] limitedGrad = gradient(limited, ids, gradOutput);
        Embedding free = initialized(Embedding.builder(), 2, 3);
        assertArrayEquals(gradient(free, ids, gradOutput), limitedGrad, 1e-6f);
    }

    @Test
    void everyOptionTogether() {
        Embedding embedding =
                initialized(Embedding.builder().optPaddingIdx(1).optMaxNorm(1.0).optScaleGradByFreq(true), 5, 2);
        NDArray ids = manager.create(new long[] {1, 3, 3, 1, 4});
        float[] grad = gradient(embedding, ids, manager.ones(new Shape(5, 2)));
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, grad);
        NDArray norms = embedding.getWeight().getArray().get(new NDIndex("{}", manager.create(new long[] {1, 3, 4}))).norm(new int[] {1});
        for (float norm : norms.toFloatArray()) {
            assertTrue(norm <= 1 + 1e-6, "norm " + norm);
        }
    }

    @Test
    void badIndicesAreRefusedWithTheirValue() {
        Embedding embedding = initialized(Embedding.builder(), 10, 3);
        IndexOutOfBoundsException tooLarge =
                assertThrows(IndexOutOfBoundsException.class, () -> forward(embedding, manager.create(new long[] {3, 10}), false));
        assertEquals("index 10 is out of range for Embedding(10, 3): indices must be in [0, 10)", tooLarge.getMessage());
        IndexOutOfBoundsException negative =
                assertThrows(IndexOutOfBoundsException.class, () -> forward(embedding, manager.create(new int[] {-1}), false));
        assertTrue(negative.getMessage().startsWith("index -1 is out of range"), negative.getMessage());
        IllegalArgumentException floats =
                assertThrows(IllegalArgumentException.class, () -> forward(embedding, manager.create(new float[] {1f}), false));
        assertTrue(floats.getMessage().contains("got float32"), floats.getMessage());
    }

    @Test
    void badOptionsAreRefusedWithTheirValue() {
        IllegalArgumentException padding =
                assertThrows(IllegalArgumentException.class, () -> Embedding.builder().setNumEmbeddings(10).setEmbeddingDim(3).optPaddingIdx(-11).build());
        assertTrue(padding.getMessage().contains("padding_idx -11"), padding.getMessage());
        IllegalArgumentException norm =
                assertThrows(IllegalArgumentException.class, () -> Embedding.builder().setNumEmbeddings(10).setEmbeddingDim(3).optNormType(0).build());
        assertTrue(norm.getMessage().contains("got 0.0"), norm.getMessage());
        IllegalArgumentException pretrained =
                assertThrows(IllegalArgumentException.class, () -> Embedding.fromPretrained(manager.ones(new Shape(2, 3, 4)), true));
        assertTrue(pretrained.getMessage().contains("(2, 3, 4)"), pretrained.getMessage());
    }

    @Test
    void toStringReadsLikePytorch() {
        assertEquals("Embedding(10, 3)", Embedding.builder().setNumEmbeddings(10).setEmbeddingDim(3).build().toString());
        assertEquals(
                "Embedding(10, 3, padding_idx=1, max_norm=2.0)",
                Embedding.builder().setNumEmbeddings(10).setEmbeddingDim(3).optPaddingIdx(1).optMaxNorm(2.0).build().toString());
        assertEquals(
                "Embedding(10, 3, padding_idx=9, max_norm=0.5, norm_type=inf, scale_grad_by_freq=True, sparse=True)",
                Embedding.builder()
                        .setNumEmbeddings(10)
                        .setEmbeddingDim(3)
                        .optPaddingIdx(-1)
                        .optMaxNorm(0.5)
                        .optNormType(Double.POSITIVE_INFINITY)
                        .optScaleGradByFreq(true)
                        .optSparse(true)
                        .build()
                        .toString());
        assertEquals("TokenEmbedding(11, 8, padding_idx=1)", new TokenEmbedding(11, 8).toString());
    }

    @Test
    void fromPretrainedKeepsThePaddingRow() {
        NDArray matrix = manager.arange(6f).reshape(3, 2);
        Embedding embedding = Embedding.builder().optPaddingIdx(0).fromPretrained(matrix, false);
        embedding.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, embedding.getWeight().getArray().toFloatArray());
        assertTrue(embedding.getWeight().requiresGradient());
    }

    @Test
    void frozenWeightGetsNoGradientAndNoUpdateAlsoAfterReload() throws IOException, MalformedModelException {
        NDArray matrix = manager.randomNormal(new Shape(5, 3));
        Embedding frozen = Embedding.fromPretrained(matrix, true);
        frozen.initialize(manager, DataType.FLOAT32, new Shape(4)); // the weight lives here, not in the trainer's model
        float[] pretrained = matrix.toFloatArray();
        assertFalse(trainOneStepChangesWeight(frozen));
        assertArrayEquals(pretrained, frozen.getWeight().getArray().toFloatArray());

        Embedding reloaded = initialized(Embedding.builder(), 5, 3);
        reload(frozen, reloaded);
        assertTrue(reloaded.isFrozen());
        assertFalse(reloaded.getWeight().requiresGradient());
        assertFalse(trainOneStepChangesWeight(reloaded));
        assertArrayEquals(pretrained, reloaded.getWeight().getArray().toFloatArray());

        Embedding trainable = Embedding.fromPretrained(manager.randomNormal(new Shape(5, 3)), false);
        trainable.initialize(manager, DataType.FLOAT32, new Shape(4));
        assertTrue(trainOneStepChangesWeight(trainable), "the same step does update a trainable weight");
    }

    /** One SGD step with DJL's trainer on embedding → linear; true if the embedding weight moved. */
    private boolean trainOneStepChangesWeight(Embedding embedding) {
        SequentialBlock net = new SequentialBlock().add(embedding).add(Linear.builder().setUnits(1).build());
        try (Model model = Model.newInstance("one-step")) {
            model.setBlock(net);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l2Loss())
                            .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.5f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(4));
                float[] before = embedding.getWeight().getArray().toFloatArray();
                NDArray ids = trainer.getManager().create(new long[] {0, 1, 2, 4});
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    collector.backward(trainer.forward(new NDList(ids)).singletonOrThrow().sum());
                }
                assertEquals(!embedding.isFrozen(), embedding.getWeight().getArray().hasGradient());
                trainer.step();
                return !java.util.Arrays.equals(before, embedding.getWeight().getArray().toFloatArray());
            }
        }
    }

    private static void reload(Block from, Block into) throws IOException, MalformedModelException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        from.saveParameters(new DataOutputStream(bytes));
        into.loadParameters(
                into.getParameters().get(0).getValue().getArray().getManager(),
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    }

    @Test
    void loadingParametersOfOtherOptionsIsRefused() throws IOException {
        Embedding saved = initialized(Embedding.builder().optPaddingIdx(1), 5, 3);
        Embedding other = initialized(Embedding.builder(), 5, 3);
        MalformedModelException error = assertThrows(MalformedModelException.class, () -> reload(saved, other));
        assertEquals("Saved parameters are for Embedding(5, 3, padding_idx=1), not for Embedding(5, 3)", error.getMessage());
    }

    /**
     * The experiment from the docs: train a 5×3 embedding with SGD, save it, load it into a fresh
     * block, run 100 forwards in eval mode: the weights stay bit-identical.
     */
    @Test
    void trainedSavedAndReloadedWeightsSurviveEvalForwardsBitForBit() throws IOException, MalformedModelException {
        Embedding embedding = initialized(Embedding.builder(), 5, 3);
        NDArray weight = embedding.getWeight().getArray();
        NDArray all = manager.arange(0, 5, 1, DataType.INT64);
        NDArray vec = manager.randomNormal(new Shape(3, 1));
        float firstLoss = 0;
        float lastLoss = 0;
        for (int step = 0; step < 100; step++) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = forward(embedding, all, true).matMul(vec).sub(3f).square().mean();
                lastLoss = loss.getFloat();
                firstLoss = step == 0 ? lastLoss : firstLoss;
                collector.backward(loss);
            }
            try (NDArray grad = weight.getGradient()) {
                weight.subi(grad.mul(0.015f));
                grad.subi(grad);
            }
        }
        assertTrue(lastLoss < firstLoss / 2, "training lowers the loss: " + firstLoss + " -> " + lastLoss);

        Embedding fresh = initialized(Embedding.builder(), 5, 3);
        assertNotEquals(weight.toFloatArray()[0], fresh.getWeight().getArray().toFloatArray()[0]);
        reload(embedding, fresh);
        float[] trained = weight.toFloatArray();
        assertArrayEquals(trained, fresh.getWeight().getArray().toFloatArray());
        for (int i = 0; i < 100; i++) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray out = forward(fresh, scope.arange(0, 5, 1, DataType.INT64), false);
                out.matMul(scope.randomNormal(new Shape(3, 1))).sum().getFloat();
                assertFalse(out.hasGradient());
            }
        }
        assertArrayEquals(trained, fresh.getWeight().getArray().toFloatArray());
    }

    @Test
    void lookupEqualsOneHotTimesWeightAndABiasFreeLinear() {
        Embedding embedding = initialized(Embedding.builder(), 7, 4);
        NDArray weight = embedding.getWeight().getArray();
        NDArray ids = manager.create(new long[] {6, 0, 3, 3, 1}, new Shape(5));
        NDArray oneHot = ids.oneHot(7);
        float[] lookup = forward(embedding, ids, false).toFloatArray();
        assertArrayEquals(lookup, oneHot.matMul(weight).toFloatArray(), 1e-6f);

        Linear linear = Linear.builder().setUnits(4).optBias(false).build();
        linear.initialize(manager, DataType.FLOAT32, oneHot.getShape());
        linear.getParameters().get("weight").getArray().set(weight.transpose().toFloatArray());
        assertArrayEquals(lookup, forward(linear, oneHot, false).toFloatArray(), 1e-6f);
    }

    @Test
    void fromPretrainedCopiesIntoTheManagerGivenAtInitialize() {
        float[] values = {1, 2, 3, 4, 5, 6};
        Embedding embedding;
        try (NDManager callers = NDManager.newBaseManager()) {
            embedding = Embedding.builder().optPaddingIdx(1).fromPretrained(callers.create(values, new Shape(3, 2)), false);
        } // the caller's matrix is gone before the block is initialised
        try (NDManager blocks = manager.newSubManager()) {
            embedding.initialize(blocks, DataType.FLOAT32, new Shape(2));
            NDArray weight = embedding.getWeight().getArray();
            assertEquals(blocks, weight.getManager());
            assertArrayEquals(values, weight.toFloatArray(), "the padding row is kept as given");
            assertArrayEquals(new float[] {5, 6, 1, 2}, forward(embedding, blocks.create(new long[] {2, 0}), false).toFloatArray());
        }
    }

    @Test
    void buildersAreNotChangedByBuilding() {
        Embedding.Builder builder = Embedding.builder().setNumEmbeddings(4).setEmbeddingDim(2).optMaxNorm(1.0);
        Embedding pretrained = builder.fromPretrained(manager.ones(new Shape(7, 3)), true);
        assertEquals(7, pretrained.getNumEmbeddings());
        assertEquals(3, pretrained.getEmbeddingDim());
        Embedding fresh = builder.build();
        assertEquals("Embedding(4, 2, max_norm=1.0)", fresh.toString());
        assertFalse(fresh.isPretrained());
        assertTrue(pretrained.isPretrained());
    }

    @Test
    void gettersReturnEveryOption() {
        Embedding embedding =
                Embedding.builder()
                        .setNumEmbeddings(9)
                        .setEmbeddingDim(4)
                        .optPaddingIdx(-2)
                        .optMaxNorm(1.5)
                        .optNormType(3)
                        .optScaleGradByFreq(true)
                        .optSparse(true)
                        .build();
        assertEquals(9, embedding.getNumEmbeddings());
        assertEquals(4, embedding.getEmbeddingDim());
        assertEquals(7, embedding.getPaddingIdx());
        assertEquals(1.5, embedding.getMaxNorm());
        assertEquals(3.0, embedding.getNormType());
        assertTrue(embedding.isScaleGradByFreq());
        assertTrue(embedding.isSparse());
        assertFalse(embedding.isFrozen());
        Embedding plain = Embedding.builder().setNumEmbeddings(9).setEmbeddingDim(4).build();
        assertEquals(null, plain.getPaddingIdx());
        assertEquals(null, plain.getMaxNorm());
        assertEquals(2.0, plain.getNormType());
        assertFalse(plain.isScaleGradByFreq());
        assertFalse(plain.isSparse());
    }

    @Test
    void paddingRowIsZeroedWhateverInitializerIsSet() {
        Embedding byType = Embedding.builder().setNumEmbeddings(4).setEmbeddingDim(3).optPaddingIdx(2).build();
        byType.setInitializer(Initializer.ONES, Parameter.Type.WEIGHT);
        byType.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1}, byType.getWeight().getArray().toFloatArray());

        // Set on a parent block, as DJL's training config does, and by parameter name.
        Embedding inParent = Embedding.builder().setNumEmbeddings(3).setEmbeddingDim(2).optPaddingIdx(0).build();
        SequentialBlock net = new SequentialBlock().add(inParent);
        net.setInitializer(new ai.djl.training.initializer.ConstantInitializer(7), Parameter.Type.WEIGHT);
        net.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertArrayEquals(new float[] {0, 0, 7, 7, 7, 7}, inParent.getWeight().getArray().toFloatArray());

        Embedding byName = Embedding.builder().setNumEmbeddings(2).setEmbeddingDim(2).optPaddingIdx(-1).build();
        byName.setInitializer(Initializer.ONES, "weight");
        byName.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertArrayEquals(new float[] {1, 1, 0, 0}, byName.getWeight().getArray().toFloatArray());
        assertTrue(byName.getWeight().getArray().hasGradient(), "the zeroed weight is still a trainable leaf");
    }

    @Test
    void pretrainedWeightIsKeptWhateverInitializerIsSet() {
        Embedding embedding = Embedding.fromPretrained(manager.arange(6f).reshape(3, 2), false);
        embedding.setInitializer(Initializer.ONES, Parameter.Type.WEIGHT);
        embedding.initialize(manager, DataType.FLOAT32, new Shape(1));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, embedding.getWeight().getArray().toFloatArray());
    }

    @Test
    void tokenEmbeddingBuilderPassesEveryOptionThrough() {
        TokenEmbedding defaults = new TokenEmbedding.Builder().setNumEmbeddings(11).setEmbeddingDim(16).build();
        assertEquals(TokenEmbedding.PADDING_IDX, defaults.getPaddingIdx());
        assertEquals(4f, defaults.getScale());
        assertEquals(new TokenEmbedding(11, 16).toString(), defaults.toString());

        TokenEmbedding custom =
                new TokenEmbedding.Builder()
                        .setNumEmbeddings(11)
                        .setEmbeddingDim(4)
                        .optPaddingIdx(0)
                        .optMaxNorm(1.0)
                        .optNormType(1)
                        .optScaleGradByFreq(true)
                        .optSparse(true)
                        .build();
        assertEquals("TokenEmbedding(11, 4, padding_idx=0, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True)", custom.toString());
        assertEquals(2f, custom.getScale());

        TokenEmbedding unscaled = new TokenEmbedding.Builder().setNumEmbeddings(5).setEmbeddingDim(4).optPaddingIdx(null).optScaled(false).build();
        assertEquals(null, unscaled.getPaddingIdx());
        assertEquals(1f, unscaled.getScale());

        NDArray matrix = manager.arange(8f).reshape(4, 2);
        TokenEmbedding pretrained = new TokenEmbedding.Builder().fromPretrained(matrix, true);
        pretrained.initialize(manager, DataType.FLOAT32, new Shape(2));
        assertTrue(pretrained.isFrozen());
        assertEquals(1, pretrained.getPaddingIdx());
        float root2 = (float) Math.sqrt(2);
        assertArrayEquals(new float[] {6 * root2, 7 * root2, 2 * root2, 3 * root2},
                forward(pretrained, manager.create(new long[] {3, 1}), false).toFloatArray());
    }

    @Test
    void functionalFormMatchesTheBlock() {
        Embedding embedding = initialized(Embedding.builder().optPaddingIdx(-1).optScaleGradByFreq(true), 6, 3);
        NDArray weight = embedding.getWeight().getArray().duplicate();
        weight.setRequiresGradient(true);
        NDArray ids = manager.create(new long[] {5, 2, 2, 0, 5}, new Shape(5));
        NDArray gradOutput = manager.randomNormal(new Shape(5, 3));
        float[] blockGrad = gradient(embedding, ids, gradOutput);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = EmbeddingFunction.embedding(ids, weight, -1, null, 2, true, false);
            assertArrayEquals(forward(embedding, ids, false).toFloatArray(), out.toFloatArray());
            collector.backward(out.mul(gradOutput).sum());
        }
        assertArrayEquals(blockGrad, weight.getGradient().toFloatArray());
        assertArrayEquals(weight.toFloatArray(), EmbeddingFunction.embedding(manager.arange(0, 6, 1, DataType.INT64), weight).toFloatArray());

        IndexOutOfBoundsException error =
                assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingFunction.embedding(manager.create(new long[] {6}), weight));
        assertEquals("index 6 is out of range for a weight of 6 rows: indices must be in [0, 6)", error.getMessage());
        IllegalArgumentException padding =
                assertThrows(IllegalArgumentException.class, () -> EmbeddingFunction.embedding(ids, weight, 6, null, 2, false, false));
        assertTrue(padding.getMessage().contains("padding_idx 6"), padding.getMessage());
    }
}
