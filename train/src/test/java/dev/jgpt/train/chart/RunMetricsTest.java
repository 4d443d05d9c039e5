package dev.jgpt.train.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv of every age reads into the same series. */
class RunMetricsTest {

    @TempDir Path dir;

    private Path run(String name, String csv) throws IOException {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("metrics.csv"), csv);
        return folder;
    }

    @Test
    void firstFormatTellsStepsFromEvaluationsByValLoss() throws IOException {
        RunMetrics metrics = RunMetrics.read(run("old", """
                iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s
                0,0.0,4.2800,4.2900,,
                0,0.0,4.3000,,25.00,30000.0
                10,1.0E-4,3.9000,,21.00,36000.0
                20,2.0E-4,3.5000,,20.00,38000.0
                20,2.0E-4,3.4000,3.4500,,
                """));
        assertEquals("old", metrics.name());
        assertEquals(List.of(0, 10, 20), metrics.stepLoss().iters());
        assertEquals(List.of(4.3, 3.9, 3.5), metrics.stepLoss().values());
        assertEquals(List.of(4.28, 3.4), metrics.trainLoss().values());
        assertEquals(List.of(0, 20), metrics.valLoss().iters());
        assertEquals(List.of(4.29, 3.45), metrics.valLoss().values());
        assertTrue(metrics.valLossFull().isEmpty());
        assertEquals(List.of(0, 10, 20), metrics.lr().iters());
    }

    @Test
    void laterFormatHasOneRowPerIterationAndColumnsFoundByName() throws IOException {
        RunMetrics metrics = RunMetrics.read(run("new", """
                iter,lr,loss,train_loss,val_loss,val_loss_full,ms_per_iter,tokens_per_s
                0,0.0,4.3000,4.2800,4.2900,,25.00,30000.0
                10,1.0E-4,3.9000,,,,21.00,36000.0
                20,2.0E-4,3.5000,3.4000,3.4500,3.4400,20.00,38000.0
                """));
        assertEquals(List.of(4.3, 3.9, 3.5), metrics.stepLoss().values());
        assertEquals(List.of(0, 20), metrics.trainLoss().iters());
        assertEquals(List.of(4.28, 3.4), metrics.trainLoss().values());
        assertEquals(List.of(4.29, 3.45), metrics.valLoss().values());
        assertEquals(List.of(20), metrics.valLossFull().iters());
        assertEquals(List.of(3.44), metrics.valLossFull().values());
    }

    @Test
    void aResumedRunsRowsReplaceThoseItHadLoggedBeforeTheKill() throws IOException {
        RunMetrics metrics = RunMetrics.read(run("resumed", """
                iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s
                0,0.0,4.3,,1,1
                10,0.0,4.0,,1,1
                20,0.0,3.8,,1,1
                30,0.0,3.7,,1,1
                10,0.0,3.9,,1,1
                20,0.0,3.6,,1,1
                """));
        assertEquals(List.of(0, 10, 20), metrics.stepLoss().iters());
        assertEquals(List.of(4.3, 3.9, 3.6), metrics.stepLoss().values());
    }

    @Test
    void aMissingFileColumnOrNumberIsNamed() throws IOException {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> RunMetrics.read(dir.resolve("nothing")));
        assertTrue(missing.getMessage().contains("no metrics.csv at"), missing.getMessage());
        Path noColumn = run("columns", "iter,lr,loss\n0,0,4.0\n");
        IllegalArgumentException column = assertThrows(IllegalArgumentException.class, () -> RunMetrics.read(noColumn));
        assertTrue(column.getMessage().contains("has no train_loss column"), column.getMessage());
        Path badNumber = run("bad", "iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s\n0,0.0,four,,1,1\n");
        IllegalArgumentException number = assertThrows(IllegalArgumentException.class, () -> RunMetrics.read(badNumber));
        assertTrue(number.getMessage().contains("line 2: train_loss is not a number: 'four'"), number.getMessage());
    }
}
