import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * The floor of a training step on this machine: its matrix products alone (the forward and
 * backward products of every linear layer, of attention and of the head), run back to back
 * through libtorch as jgpt runs them, each into a new array, and nothing else. A step can be no
 * faster than this, whatever happens to its ~1,000 other ops. bench/compare.sh prints it beside
 * the step.
 *
 *   java -Dai.djl.offline=true -cp "train/target/lib/*" bench/ProductsFloor.java [--n-layer 4] [--n-head 4]
 *       [--n-embd 128] [--block-size 64] [--batch-size 12] [--vocab 65] [--reps 100]
 *
 * Prints one JSON line: {"products_ms_per_iter": ...}, the median of reps after 5 unmeasured.
 */
public class ProductsFloor {

    public static void main(String[] args) {
        int layers = 4, heads = 4, width = 128, block = 64, batch = 12, vocab = 65, reps = 100;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                fail(args[i] + " needs a value");
            }
            int value = positive(args[i], args[i + 1]);
            switch (args[i]) {
                case "--n-layer" -> layers = value;
                case "--n-head" -> heads = value;
                case "--n-embd" -> width = value;
                case "--block-size" -> block = value;
                case "--batch-size" -> batch = value;
                case "--vocab" -> vocab = value;
                case "--reps" -> reps = value;
                default -> fail("unknown flag " + args[i] + " (takes --n-layer, --n-head, --n-embd, --block-size, --batch-size, --vocab, --reps)");
            }
        }
        if (width % heads != 0) {
            fail("--n-embd (" + width + ") must be a multiple of --n-head (" + heads + ")");
        }
        int rows = batch * block;
        int headSize = width / heads;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(rows, width));
            NDArray hidden = manager.randomNormal(new Shape(rows, 4 * width));
            // Each linear as (input, weight (out, in)): c_attn, the attention's c_proj, c_fc, the MLP's c_proj.
            NDArray[][] linears = {
                {x, manager.randomNormal(new Shape(3 * width, width))},
                {x, manager.randomNormal(new Shape(width, width))},
                {x, manager.randomNormal(new Shape(4 * width, width))},
                {hidden, manager.randomNormal(new Shape(width, 4 * width))},
            };
            NDArray head = manager.randomNormal(new Shape(vocab, width));
            NDArray q = manager.randomNormal(new Shape(batch, heads, block, headSize));
            NDArray kT = manager.randomNormal(new Shape(batch, heads, headSize, block));
            NDArray attention = manager.randomNormal(new Shape(batch, heads, block, block));
            double[] times = new double[reps];
            for (int rep = -5; rep < reps; rep++) {
                long start = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    for (int layer = 0; layer < layers; layer++) {
                        for (NDArray[] linear : linears) {
                            products(step, linear[0], linear[1]);
                        }
                        NDArray scores = keep(step, q.matMul(kT)); // forward: q·kᵀ
                        NDArray y = keep(step, attention.matMul(q)); // forward: weights·v
                        keep(step, y.matMul(q.transpose(0, 1, 3, 2))); // backward: d weights = dy·vᵀ
                        keep(step, attention.transpose(0, 1, 3, 2).matMul(y)); // backward: d v = weightsᵀ·dy
                        keep(step, scores.matMul(kT.transpose(0, 1, 3, 2))); // backward: d q = d scores·k
                        keep(step, kT.matMul(scores)).toFloatArray(); // backward: d kᵀ = qᵀ·d scores; waits for the layer
                    }
                    products(step, x, head).toFloatArray();
                }
                if (rep >= 0) {
                    times[rep] = (System.nanoTime() - start) / 1e6;
                }
            }
            Arrays.sort(times);
            System.out.printf(Locale.ROOT, "{\"products_ms_per_iter\": %.2f}%n", times[reps / 2]);
        }
    }

    /** A linear layer's three products: y = x·wᵀ forward, then dx = dy·w and dw = dyᵀ·x (dy stands in as y). */
    private static NDArray products(NDManager step, NDArray x, NDArray weight) {
        NDArray y = keep(step, x.matMul(weight.transpose()));
        keep(step, y.matMul(weight));
        return keep(step, y.transpose().matMul(x));
    }

    /** Puts a product in the step's manager, so that it is freed with the step as a training step's arrays are. */
    private static NDArray keep(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }

    private static int positive(String flag, String text) {
        try {
            int value = Integer.parseInt(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // falls through to the message
        }
        fail(flag + " must be a positive integer, got " + text);
        return 0;
    }

    private static void fail(String message) {
        System.err.println("ProductsFloor: " + message);
        System.exit(2);
    }
}
