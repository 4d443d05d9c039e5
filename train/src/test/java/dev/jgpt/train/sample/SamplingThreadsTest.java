package dev.jgpt.train.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SamplingThreadsTest {

    private Properties saved;

    @BeforeEach
    void save() {
        saved = (Properties) System.getProperties().clone();
        System.clearProperty(SamplingThreads.THREADS_PROPERTY);
        System.clearProperty("jgpt.sampling.threads.automatic");
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    @Test
    void aSmallModelSamplesOnOneThreadALargeOneOnEveryCore() {
        int cores = Runtime.getRuntime().availableProcessors();
        SamplingThreads.beforeEngineStarts(); // as jgpt sample does: the engine starts with one thread
        assertEquals("1", System.getProperty(SamplingThreads.THREADS_PROPERTY));
        assertEquals(1, SamplingThreads.count(808_448));
        assertEquals(cores, SamplingThreads.count(124_439_808));
    }

    @Test
    void theUsersThreadsWinWhateverTheSize() {
        System.setProperty(SamplingThreads.THREADS_PROPERTY, "1"); // --threads 1
        SamplingThreads.beforeEngineStarts();
        assertEquals(1, SamplingThreads.count(124_439_808));
        System.setProperty(SamplingThreads.THREADS_PROPERTY, "3");
        assertEquals(3, SamplingThreads.count(808_448));
    }
}
