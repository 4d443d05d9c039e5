package dev.jgpt.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The writer of {@code optimizer.bin}, the AdamW state of checkpoints before format 3, kept as
 * test code only: jgpt no longer writes it, and its tests make old files with it to prove they still load.
 */
public final class LegacyOptimizerFile {

    private LegacyOptimizerFile() {}

    /** Writes the step count, the hyper-parameters and every parameter's moments, as jgpt did. */
    public static void write(AdamW optimizer, DataOutputStream out) throws IOException {
        out.writeInt(AdamW.MAGIC);
        out.writeInt(AdamW.VERSION);
        out.writeLong(optimizer.stepCount());
        out.writeFloat(optimizer.beta1);
        out.writeFloat(optimizer.beta2);
        out.writeFloat(optimizer.eps);
        out.writeFloat(optimizer.weightDecay);
        out.writeInt(optimizer.state().size());
        for (Map.Entry<String, AdamW.Moments> entry : optimizer.state().entrySet()) {
            out.writeUTF(entry.getKey());
            Shape shape = entry.getValue().mean().getShape();
            out.writeInt(shape.dimension());
            for (long size : shape.getShape()) {
                out.writeLong(size);
            }
            writeFloats(out, entry.getValue().mean());
            writeFloats(out, entry.getValue().variance());
        }
    }

    private static void writeFloats(DataOutputStream out, NDArray array) throws IOException {
        float[] values = array.toFloatArray();
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES));
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }
}
