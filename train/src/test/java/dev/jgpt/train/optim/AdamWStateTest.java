package dev.jgpt.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdamWStateTest {

    private static final float LEARNING_RATE = 0.05f;

    /** Through optimizer.bin (checkpoints before format 3) or {@link AdamW#restore} (what optimizer.safetensors feeds). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLoadedOrRestoredStateStepsBitForBitLikeTheSavedOne(boolean restore) throws IOException {
        try (ToyParameters original = ToyParameters.weightAndBias();
                ToyParameters copy = ToyParameters.weightAndBias();
                AdamW saved = newOptimizer();
                AdamW copyOptimizer = newOptimizer();
                AdamW loaded = newOptimizer()) {
            for (int t = 0; t < 2; t++) {
                step(original, saved);
                step(copy, copyOptimizer); // the same steps on identical numbers: identical parameters
            }
            assertArrayEquals(original.values("weight"), copy.values("weight"));

            if (restore) {
                loaded.restore(saved.stepCount(), saved.state(), copy.parameters);
            } else {
                loaded.load(read(save(saved)), copy.parameters);
            }
            assertEquals(2, loaded.stepCount());
            step(original, saved);
            step(copy, loaded);

            for (String name : new String[] {"weight", "bias"}) {
                assertArrayEquals(bits(original.values(name)), bits(copy.values(name)), name);
            }
            assertArrayEquals(save(saved), save(loaded), "the states after the third step");
        }
    }

    @Test
    void aRestoredStateWithoutEveryParameterIsRefused() throws IOException {
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW saved = newOptimizer(); AdamW restored = newOptimizer()) {
            step(toy, saved);
            IOException e = assertThrows(IOException.class,
                    () -> restored.restore(1, Map.of("weight", saved.state().get("weight")), toy.parameters));
            assertTrue(e.getMessage().contains("has no moments for the trained parameters [bias]"), e.getMessage());
            assertEquals(0, restored.stepCount(), "a refused state leaves the optimizer as it was");
        }
    }

    @Test
    void aStateSavedBeforeTheFirstStepLoads() throws IOException {
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW loaded = newOptimizer()) {
            loaded.load(read(save(newOptimizer())), toy.parameters);
            assertEquals(0, loaded.stepCount());
        }
    }

    @Test
    void truncatedStateIsRefusedNamingWhereItEnds() throws IOException {
        byte[] bytes = savedAfterTwoSteps(ToyParameters.weightAndBias());
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW optimizer = newOptimizer()) {
            EOFException inData = assertThrows(EOFException.class,
                    () -> optimizer.load(read(Arrays.copyOf(bytes, bytes.length - 1)), toy.parameters));
            assertTrue(inData.getMessage().contains("'bias'"), inData.getMessage());

            EOFException inHeader = assertThrows(EOFException.class,
                    () -> optimizer.load(read(Arrays.copyOf(bytes, 10)), toy.parameters));
            assertTrue(inHeader.getMessage().contains("header"), inHeader.getMessage());
            assertEquals(0, optimizer.stepCount());
        }
    }

    @Test
    void stateForAParameterTheModelDoesNotHaveIsRefused() throws IOException {
        ToyParameters withExtra = ToyParameters.weightAndBias()
                .add("extra", new float[] {1f, 2f}, new Shape(2), new float[] {1f, 1f}, true);
        byte[] bytes = savedAfterTwoSteps(withExtra);
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW optimizer = newOptimizer()) {
            IOException e = assertThrows(IOException.class, () -> optimizer.load(read(bytes), toy.parameters));
            assertTrue(e.getMessage().contains("'extra'"), e.getMessage());
        }
    }

    @Test
    void aParameterWithoutStateIsRefused() throws IOException {
        ToyParameters weightOnly = new ToyParameters().add("weight", ToyParameters.WEIGHT, new Shape(2, 3),
                ToyParameters.WEIGHT_COEFFICIENTS, true);
        byte[] bytes = savedAfterTwoSteps(weightOnly);
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW optimizer = newOptimizer()) {
            IOException e = assertThrows(IOException.class, () -> optimizer.load(read(bytes), toy.parameters));
            assertTrue(e.getMessage().contains("bias"), e.getMessage());
        }
    }

    @Test
    void aShapeThatDoesNotMatchIsRefusedNamingBothShapes() throws IOException {
        ToyParameters transposed = new ToyParameters()
                .add("weight", ToyParameters.WEIGHT, new Shape(3, 2), ToyParameters.WEIGHT_COEFFICIENTS, true)
                .add("bias", ToyParameters.BIAS, new Shape(3), ToyParameters.BIAS_COEFFICIENTS, true);
        byte[] bytes = savedAfterTwoSteps(transposed);
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW optimizer = newOptimizer()) {
            IOException e = assertThrows(IOException.class, () -> optimizer.load(read(bytes), toy.parameters));
            String message = e.getMessage();
            assertTrue(message.contains("'weight'") && message.contains("(3, 2)") && message.contains("(2, 3)"),
                    message);
        }
    }

    @Test
    void otherHyperParametersOrAnotherFormatAreRefused() throws IOException {
        byte[] bytes = savedAfterTwoSteps(ToyParameters.weightAndBias());
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW other = new AdamW(0.9f, 0.99f, 0.1f)) {
            IOException e = assertThrows(IOException.class, () -> other.load(read(bytes), toy.parameters));
            assertTrue(e.getMessage().contains("beta2=0.95") && e.getMessage().contains("beta2=0.99"),
                    e.getMessage());

            byte[] notAdamW = bytes.clone();
            notAdamW[0] ^= 1;
            assertThrows(IOException.class, () -> other.load(read(notAdamW), toy.parameters));
        }
    }

    @Test
    void aFailedLoadKeepsTheCurrentState() throws IOException {
        ToyParameters extraAtTheEnd = ToyParameters.weightAndBias()
                .add("extra", new float[] {1f, 2f}, new Shape(2), new float[] {1f, 1f}, true);
        byte[] foreign = savedAfterTwoSteps(extraAtTheEnd);
        try (ToyParameters toy = ToyParameters.weightAndBias(); AdamW optimizer = newOptimizer()) {
            step(toy, optimizer);
            byte[] before = save(optimizer);
            long arraysBefore = toy.manager.getManagedArrays().size();

            // weight and bias load into temporaries before "extra" is refused
            assertThrows(IOException.class, () -> optimizer.load(read(foreign), toy.parameters));

            assertArrayEquals(before, save(optimizer));
            assertEquals(1, optimizer.stepCount());
            assertEquals(arraysBefore, toy.manager.getManagedArrays().size(), "the temporaries are freed");
        }
    }

    private static AdamW newOptimizer() {
        return new AdamW(0.9f, 0.95f, 0.1f);
    }

    private static void step(ToyParameters toy, AdamW optimizer) {
        toy.backward();
        optimizer.step(toy.parameters, LEARNING_RATE);
        optimizer.zeroGradients(toy.parameters);
    }

    /** Runs two steps on {@code toy}, closes it, and returns the optimizer's saved state. */
    private static byte[] savedAfterTwoSteps(ToyParameters toy) throws IOException {
        try (toy; AdamW optimizer = newOptimizer()) {
            step(toy, optimizer);
            step(toy, optimizer);
            return save(optimizer);
        }
    }

    private static byte[] save(AdamW optimizer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            LegacyOptimizerFile.write(optimizer, out);
        }
        return bytes.toByteArray();
    }

    private static DataInputStream read(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
