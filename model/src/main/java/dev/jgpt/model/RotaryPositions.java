package dev.jgpt.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.model.embedding.SequenceLength;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotary positions (RoPE) in the GPT-NeoX / Llama "rotate half" convention. In each head of size
 * hs, dimension j and dimension j + hs/2 (j &lt; hs/2) form a pair, which the query or key at
 * position p turns by the angle θ = p · base^(−2j/hs):
 *
 * <pre>
 *   out[j]        = x[j] · cos θ − x[j + hs/2] · sin θ
 *   out[j + hs/2] = x[j + hs/2] · cos θ + x[j] · sin θ
 * </pre>
 *
 * so that a query's score against a key depends on their positions only through p_q − p_k.
 *
 * <p>One instance serves every layer of a model. The angles are computed once, in double
 * precision then rounded to float, for positions {@code 0 .. blockSize-1}; each device gets its
 * copy of the tables on first use, kept until the model's manager closes.
 */
final class RotaryPositions {

    private final int blockSize;
    private final int headSize;
    private final float[] cos; // (blockSize, hs): cos θ_j at columns j and j + hs/2
    private final float[] sin; // (blockSize, hs): −sin θ_j at column j, +sin θ_j at j + hs/2
    private final Map<Device, NDArray[]> tables = new ConcurrentHashMap<>();
    private NDManager manager;

    /** The angles of a model of {@code config}, whose positions are rotary. */
    RotaryPositions(GptConfig config) {
        blockSize = config.blockSize();
        headSize = config.headSize();
        int half = headSize / 2;
        cos = new float[blockSize * headSize];
        sin = new float[blockSize * headSize];
        for (int pos = 0; pos < blockSize; pos++) {
            for (int j = 0; j < half; j++) {
                double angle = pos * Math.pow(config.ropeBase(), -2.0 * j / headSize);
                int row = pos * headSize;
                cos[row + j] = (float) Math.cos(angle);
                cos[row + j + half] = (float) Math.cos(angle);
                sin[row + j] = (float) -Math.sin(angle);
                sin[row + j + half] = (float) Math.sin(angle);
            }
        }
    }

    /** cos θ, (blockSize, hs), at columns j and j + hs/2. */
    float[] cosTable() {
        return cos.clone();
    }

    /** −sin θ at column j and +sin θ at column j + hs/2, (blockSize, hs). */
    float[] sinTable() {
        return sin.clone();
    }

    /** Keeps the device tables under {@code modelManager}, the manager the model's weights live in. */
    void initialize(NDManager modelManager) {
        manager = modelManager;
    }

    /**
     * The rotation of the positions of token ids {@code tokens} (B, T), counted from {@code
     * start}, on {@code like}'s device; its arrays belong to {@code like}'s manager.
     */
    Rotation rotation(NDArray tokens, NDArray like, int start) {
        int length = SequenceLength.of(tokens.getShape(), start, blockSize);
        NDArray[] table = tables.computeIfAbsent(like.getDevice(), this::table);
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
        NDArray cosRows = table[0].get(rows);
        NDArray sinRows = table[1].get(rows);
        cosRows.attach(like.getManager());
        sinRows.attach(like.getManager());
        return new Rotation(cosRows, sinRows);
    }

    private NDArray[] table(Device device) {
        NDManager onDevice = manager.newSubManager(device);
        Shape shape = new Shape(blockSize, headSize);
        return new NDArray[] {onDevice.create(cos, shape), onDevice.create(sin, shape)};
    }

    /** cos θ and signed sin θ, (T, hs), for the T positions of one forward pass. */
    record Rotation(NDArray cos, NDArray sin) {

        /** x (B, nh, T, hs) rotated: x · cos + (x's halves swapped) · sin. */
        NDArray rotate(NDArray x) {
            NDList halves = x.split(2, 3);
            NDArray swapped = halves.get(1).concat(halves.get(0), 3);
            // In place: backward of the product needs only sin, of the sum neither operand.
            return x.mul(cos).addi(swapped.muli(sin));
        }
    }
}
