package example;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.embedding.Embedding;

/** Uses jgpt's Embedding with padding_idx and max_norm, as a user of the library would. */
public final class EmbeddingDemo {

    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Embedding embedding =
                    Embedding.builder().setNumEmbeddings(10).setEmbeddingDim(3).optPaddingIdx(1).optMaxNorm(1.0).build();
            embedding.initialize(manager, DataType.FLOAT32, new Shape(2, 4));
            NDArray weight = embedding.getWeight().getArray();
            weight.set(manager.arange(30f).reshape(10, 3).toFloatArray()); // every row's norm is > 1
            NDArray ids = manager.create(new long[][] {{1, 2, 4, 5}, {4, 3, 2, 9}});
            NDArray vectors =
                    embedding.forward(new ParameterStore(manager, false), new NDList(ids), false).singletonOrThrow();

            check(vectors.getShape().equals(new Shape(2, 4, 3)), "output shape " + vectors.getShape());
            float[] norms = vectors.norm(new int[] {2}).toFloatArray();
            for (float norm : norms) {
                check(Math.abs(norm - 1) < 1e-5, "a looked-up row's norm is " + norm + ", not max_norm 1");
            }
            check(weight.get(0).norm().getFloat() > 2, "row 0 was not looked up and must keep its norm");
            check(loggingBinding() == null, "a logging binding came with jgpt-model: " + loggingBinding());
            System.out.println(embedding + ": output " + vectors.getShape() + ", looked-up rows renormalised to 1");
            System.out.println("consumer OK");
        }
    }

    /** The slf4j-simple class if it is on the classpath, else null. */
    private static String loggingBinding() {
        try {
            return Class.forName("org.slf4j.simple.SimpleLogger").getName();
        } catch (ClassNotFoundException expected) {
            return null;
        }
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new AssertionError(problem);
        }
    }
}
