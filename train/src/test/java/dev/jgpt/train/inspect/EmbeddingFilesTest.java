package dev.jgpt.train.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.chart.EmbeddingMap;
import dev.jgpt.train.chart.Pictures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding's projector files hold the weights exactly; labels survive the projector's parser; PCA and neighbours are right. */
class EmbeddingFilesTest {

    @TempDir Path dir;

    private static final Vocabulary VOCABULARY = Vocabulary.fromText("Hello, world!\n\tThe 2 cats\u00a0sat.");

    @Test
    void projectorFilesHoldEveryRowOfTheWeightsAndAReadableLabelEach() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Gpt gpt = new Gpt(new GptConfig(VOCABULARY.size(), 8, 1, 2, 16, 0f, GptConfig.Positions.SINUSOIDAL, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            float[] weights = gpt.tokenEmbedding().getWeight().getArray().toFloatArray();
            TokenVectors vectors = TokenVectors.of(gpt, VOCABULARY);
            ProjectorFiles.write(vectors, dir);

            List<String> rows = Files.readAllLines(dir.resolve(ProjectorFiles.VECTORS), StandardCharsets.UTF_8);
            assertEquals(VOCABULARY.size(), rows.size(), "one row per token");
            for (int id = 0; id < rows.size(); id++) {
                String[] cells = rows.get(id).split("\t", -1);
                assertEquals(16, cells.length, "n_embd columns in row " + id);
                for (int j = 0; j < cells.length; j++) {
                    assertEquals(weights[id * 16 + j], Float.parseFloat(cells[j]), "row " + id + " column " + j);
                }
            }

            List<String> metadata = Files.readAllLines(dir.resolve(ProjectorFiles.METADATA), StandardCharsets.UTF_8);
            assertEquals("token\tid", metadata.get(0), "two columns need a header");
            assertEquals(VOCABULARY.size() + 1, metadata.size());
            for (int id = 0; id < VOCABULARY.size(); id++) {
                String[] cells = metadata.get(id + 1).split("\t", -1);
                assertEquals(2, cells.length, metadata.get(id + 1));
                assertFalse(cells[0].isBlank(), "the projector skips blank lines: id " + id);
                assertEquals(String.valueOf(id), cells[1]);
            }
            assertTrue(metadata.contains("<pad>\t1"));
            assertTrue(metadata.contains("<space>\t" + VOCABULARY.tokens().indexOf(" ")));
            assertTrue(metadata.contains("<newline>\t" + VOCABULARY.tokens().indexOf("\n")));
            assertTrue(metadata.contains("<tab>\t" + VOCABULARY.tokens().indexOf("\t")));
            assertTrue(metadata.contains("<U+00A0>\t" + VOCABULARY.tokens().indexOf("\u00a0")));

            assertTrue(vectors.isZero(1), "the padding row starts at zero");
            new EmbeddingMap(vectors, "test").write(dir.resolve("embeddings.png"), 900, 700);
            Pictures.assertPng(dir.resolve("embeddings.png"), 900, 700, 20);
        }
    }

    @Test
    void pcaFindsTheDirectionsOfMostVariance() {
        // Points spread 10 along (1, 1, 0)/sqrt(2), 3 along z, nearly nothing along (1, -1, 0).
        java.util.Random random = new java.util.Random(1);
        float[][] rows = new float[200][];
        for (int i = 0; i < rows.length; i++) {
            double a = 10 * random.nextGaussian();
            double b = 3 * random.nextGaussian();
            double c = 0.01 * random.nextGaussian();
            rows[i] = new float[] {(float) ((a + c) / Math.sqrt(2) + 5), (float) ((a - c) / Math.sqrt(2) - 2), (float) b};
        }
        Pca pca = Pca.of(rows, 2);
        assertEquals(100.0 / 109, pca.explained()[0], 0.03);
        assertEquals(9.0 / 109, pca.explained()[1], 0.03);
        for (int i = 0; i < rows.length; i++) {
            double along = (rows[i][0] - 5 + rows[i][1] + 2) / Math.sqrt(2);
            // Centred by the sample mean, so equal up to that small shift; the sign is fixed by the largest entry.
            assertEquals(Math.abs(along), Math.abs(pca.coordinates()[i][0]), 1.5);
        }
    }

    @Test
    void neighboursAreByCosineAndSkipRowsOfZeros() {
        Vocabulary vocabulary = Vocabulary.fromText("abc");
        float[][] rows = {
            {1, 0}, {0, 0}, {0, 1}, {-1, 0}, // <s>, <pad>, </s>, <unk>
            {2, 0.1f}, {1, 1}, {-3, -0.5f} // a, b, c
        };
        Neighbours neighbours = new Neighbours(new TokenVectors(rows, vocabulary), java.util.Set.of());
        List<Neighbours.Neighbour> ofA = neighbours.of(4, 3);
        assertEquals(List.of(0, 5, 2), ofA.stream().map(Neighbours.Neighbour::id).toList());
        assertEquals(2 / Math.sqrt(4.01), ofA.get(0).cosine(), 1e-6);
        assertTrue(neighbours.of(1, 3).isEmpty(), "a row of zeros has no direction");
        assertEquals(5, neighbours.of(4, 10).size(), "every row but itself and the zero row");

        Neighbours trained = new Neighbours(new TokenVectors(rows, vocabulary), java.util.Set.of(0, 3));
        assertEquals(List.of(5, 2, 6), trained.of(4, 10).stream().map(Neighbours.Neighbour::id).toList(),
                "untrained rows (here <s> and <unk>) are never a neighbour");
    }

    @Test
    void labelsNameWhatCannotBeSeen() {
        assertEquals("a", TokenLabels.of("a"));
        assertEquals("<space>", TokenLabels.of(" "));
        assertEquals("<newline>", TokenLabels.of("\n"));
        assertEquals("<cr>", TokenLabels.of("\r"));
        assertEquals("<U+200B>", TokenLabels.of("\u200b"));
        assertEquals("<pad>", TokenLabels.of("<pad>"));
        assertEquals("\u2423", TokenLabels.compact(" "));
        assertEquals("\u21b5", TokenLabels.compact("\n"));
    }
}
