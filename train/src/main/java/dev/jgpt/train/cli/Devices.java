package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Checks --device before a command reads or writes anything. */
final class Devices {

    private Devices() {}

    /**
     * Refuses a GPU that this build cannot use in one line saying what to do; libtorch's own
     * message (over a thousand characters) is its cause, printed with JGPT_DEBUG=1.
     */
    static void require(String device) {
        if (!device.startsWith("gpu")) {
            return;
        }
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(device))) {
            manager.zeros(new Shape(1));
        } catch (EngineException e) {
            if (Engine.getInstance().getGpuCount() > 0) {
                throw e;
            }
            throw new IllegalArgumentException("--device " + device + ": this build of jgpt has no CUDA (its libtorch is the CPU one);"
                    + " build the GPU profile (JGPT_PROFILE=gpu " + Jgpt.invokedAs() + " ..., see README) or use --device cpu", e);
        }
    }
}
