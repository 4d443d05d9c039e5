package dev.jgpt.train.store;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file of F32 tensors written one tensor at a time, so that no second copy of a
 * whole model is ever held: the header first (every name and shape known up front, padded to 8
 * bytes as the safetensors package pads it), then each tensor's little-endian bytes in the
 * header's order. Write into a temporary folder: a file left unfinished is not valid.
 */
final class SafetensorsStream implements AutoCloseable {

    private final Path file;
    private final FileChannel out;
    private final Iterator<Map.Entry<String, Shape>> next;

    /** Creates {@code file} (which must not exist) and writes the header of {@code shapes}, in their order. */
    SafetensorsStream(Path file, Map<String, Shape> shapes) throws IOException {
        this.file = file;
        out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(ByteBuffer.wrap(Safetensors.start(shapes)));
        next = new ArrayList<>(shapes.entrySet()).iterator();
    }

    /** Writes the next tensor, {@code name}, from {@code bytes} (little-endian F32, exactly its size). */
    void write(String name, ByteBuffer bytes) throws IOException {
        expect(name, bytes.remaining());
        writeFully(bytes);
    }

    /** Writes the next tensor, {@code name}, as the bytes of {@code from} at [begin, end). */
    void copy(String name, FileChannel from, long begin, long end) throws IOException {
        expect(name, end - begin);
        for (long at = begin; at < end; ) {
            at += from.transferTo(at, end - at, out);
        }
    }

    private void expect(String name, long bytes) {
        Map.Entry<String, Shape> tensor = next.hasNext() ? next.next() : null;
        if (tensor == null || !tensor.getKey().equals(name) || tensor.getValue().size() * Float.BYTES != bytes) {
            throw new IllegalStateException(file + ": wrote " + name + " (" + bytes + " bytes) where the header has "
                    + (tensor == null ? "no more tensors" : tensor.getKey() + " " + tensor.getValue()));
        }
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** Closes the file, flushed to disk; every tensor of the header must have been written. */
    @Override
    public void close() throws IOException {
        try (out) {
            if (next.hasNext()) {
                throw new IllegalStateException(file + ": closed before tensor " + next.next().getKey() + " was written");
            }
            out.force(true);
        }
    }
}
