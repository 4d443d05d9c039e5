package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv across resumes: rows past the checkpoint go, old files are converted. */
class MetricsLogTest {

    @TempDir Path dir;

    @Test
    void resumingDropsLaterRowsAndConvertsTheOldFormat() throws IOException {
        Path file = dir.resolve("metrics.csv");
        // The old format: a step row holds its batch loss in train_loss; an evaluation row has val_loss.
        Files.writeString(file, """
                iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s
                0,1.0E-4,4.1000,4.2000,,
                0,1.0E-4,4.0500,,30.00,100.0
                10,0.001,3.0000,,20.00,150.0
                20,0.001,2.5000,2.6000,,
                20,0.001,2.4000,,21.00,140.0
                30,0.001,2.2000,,22.00,130.0
                """);
        try (MetricsLog log = MetricsLog.open(file, 20)) {
            log.step(20, 0.001f, 2.3f, 19, 160);
        }
        assertEquals("""
                iter,lr,loss,train_loss,val_loss,val_loss_full,val_bpb,val_bpb_full,ms_per_iter,tokens_per_s
                0,1.0E-4,4.0500,4.1000,4.2000,,,,30.00,100.0
                10,0.001,3.0000,,,,,,20.00,150.0
                20,0.001,2.3000,2.5000,2.6000,,,,19.00,160.0
                """, Files.readString(file));
    }

    @Test
    void aNewRunStartsAFreshFile() throws IOException {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, "iter,lr,loss,train_loss,val_loss,val_loss_full,ms_per_iter,tokens_per_s\n5,0.1,1.0,,,,1.00,1.0\n");
        try (MetricsLog log = MetricsLog.open(file, -1)) {
            log.evaluation(0, 0.5f, 4f, 4.5f, 6.5f);
            log.step(0, 0.5f, 3.9f, 10, 20);
            log.wholeValLoss(0, 4.25f, 6.13f);
        }
        assertEquals("""
                iter,lr,loss,train_loss,val_loss,val_loss_full,val_bpb,val_bpb_full,ms_per_iter,tokens_per_s
                0,0.5,3.9000,4.0000,4.5000,4.2500,6.5000,6.1300,10.00,20.0
                """, Files.readString(file));
    }

    /** Before val_bpb_full, val_bpb was the whole split's, written at the end: a resumed run keeps it as that. */
    @Test
    void theOldValBpbIsTheWholeSplits() throws IOException {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, """
                iter,lr,loss,train_loss,val_loss,val_loss_full,val_bpb,ms_per_iter,tokens_per_s
                10,0.001,3.0000,2.9000,3.1000,,,20.00,150.0
                20,,,,,2.8000,4.0400,,
                """);
        try (MetricsLog log = MetricsLog.open(file, 20)) {
            log.step(21, 0.001f, 2.3f, 19, 160);
        }
        assertEquals("""
                iter,lr,loss,train_loss,val_loss,val_loss_full,val_bpb,val_bpb_full,ms_per_iter,tokens_per_s
                10,0.001,3.0000,2.9000,3.1000,,,,20.00,150.0
                20,,,,,2.8000,,4.0400,,
                21,0.001,2.3000,,,,,,19.00,160.0
                """, Files.readString(file));
    }
}
