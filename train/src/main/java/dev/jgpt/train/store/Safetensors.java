package dev.jgpt.train.store;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * F32 tensors by name in the safetensors format, written and read in place ({@link #write},
 * {@link #readInto}) or decoded into new arrays by DJL ({@link #read}). The format: an unsigned 64-bit
 * little-endian header length N, N bytes of JSON ({@code {"name": {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, "__metadata__": {..}}}), then the data, little-endian, each
 * tensor at its offsets from the end of the header. DJL checks none of it beyond the JSON, so
 * {@link #checkHeader} does before anything is decoded: a damaged file is refused in one line.
 */
public final class Safetensors {

    private static final long MAX_HEADER = 100L << 20; // the format's own limit is 100 MB
    /** Bytes per element of each dtype the format names. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1), Map.entry("BOOL", 1),
            Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));
    private static final NDIndex EVERYTHING = new NDIndex("...");

    private Safetensors() {}

    /**
     * Writes {@code tensors} (F32), under their names, in their order, to {@code file}: the header,
     * then each array's bytes straight from its memory, so that saving holds no copy of them.
     */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> tensor : tensors.entrySet()) {
            NDArray array = tensor.getValue();
            if (array.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException(tensor.getKey() + " is " + array.getDataType() + "; safetensors files here hold F32");
            }
            shapes.put(tensor.getKey(), array.getShape());
        }
        byte[] start = start(shapes);
        AtomicFiles.writeNew(file, out -> {
            out.write(start);
            WritableByteChannel channel = Channels.newChannel(out);
            for (NDArray array : tensors.values()) {
                ByteBuffer bytes = array.toByteBuffer(true); // the array's own memory on a CPU, else a copy
                if (bytes.order() != ByteOrder.LITTLE_ENDIAN) {
                    throw new IOException("this machine stores floats big-endian, and safetensors little-endian");
                }
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        });
    }

    /**
     * What a file of F32 {@code shapes} (in their order, end to end) starts with: the header's
     * length, then the header, padded with spaces so that the data starts 8-byte aligned, as the
     * safetensors package pads it.
     */
    static byte[] start(Map<String, Shape> shapes) {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Shape> tensor : shapes.entrySet()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray dims = new JsonArray();
            for (long size : tensor.getValue().getShape()) {
                dims.add(size);
            }
            entry.add("shape", dims);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += tensor.getValue().size() * Float.BYTES;
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(tensor.getKey(), entry);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer start = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        start.putLong(padded).put(json);
        while (start.hasRemaining()) {
            start.put((byte) ' ');
        }
        return start.array();
    }

    /**
     * The shape of every tensor in {@code file}, by name, once the header is checked against the
     * spec ({@link #header}) and every tensor is F32.
     *
     * @throws CheckpointException naming the file and the first problem found
     */
    public static Map<String, Shape> checkHeader(Path file) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        header(file).forEach((name, tensor) -> {
            if (!tensor.dtype().equals("F32")) {
                throw new CheckpointException(file + ": tensor " + name + " is " + tensor.dtype() + "; jgpt reads F32 only (convert it with tensor.float())");
            }
            shapes.put(name, tensor.shape());
        });
        return shapes;
    }

    /** One tensor of a file: its dtype, shape, and where its bytes lie in the file (absolute offsets). */
    public record Tensor(String dtype, Shape shape, long begin, long end) {}

    /**
     * The tensors of {@code file} by name, in its header's order, the header checked against the spec: a JSON object of tensors of a known
     * dtype whose offsets lie in the file, match their shapes and cover the data without gap or
     * overlap, and nothing after the last tensor.
     *
     * @throws CheckpointException naming the file and the first problem found
     */
    public static Map<String, Tensor> header(Path file) {
        long fileSize;
        JsonObject header;
        long headerLength;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            fileSize = Files.size(file);
            byte[] length = in.readNBytes(8);
            if (length.length < 8) {
                throw damaged(file, "it is shorter than the 8-byte header length");
            }
            headerLength = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > fileSize - 8) {
                throw damaged(file, "its header length " + Long.toUnsignedString(headerLength) + " does not fit a file of " + fileSize + " bytes");
            }
            byte[] json = in.readNBytes((int) headerLength);
            JsonElement parsed = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw damaged(file, "its header is not a JSON object");
            }
            header = parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw damaged(file, "its header is not valid JSON");
        }
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            String name = entry.getKey();
            try {
                JsonObject tensor = entry.getValue().getAsJsonObject();
                String dtype = tensor.get("dtype").getAsString();
                Integer width = DTYPE_BYTES.get(dtype);
                if (width == null) {
                    throw damaged(file, "tensor " + name + " has the unknown dtype " + dtype);
                }
                JsonArray dims = tensor.getAsJsonArray("shape");
                long[] sizes = new long[dims.size()];
                long count = 1;
                for (int i = 0; i < sizes.length; i++) {
                    sizes[i] = dims.get(i).getAsLong();
                    if (sizes[i] < 0) {
                        throw damaged(file, "tensor " + name + " has a negative size");
                    }
                    count = Math.multiplyExact(count, sizes[i]);
                }
                JsonArray offsets = tensor.getAsJsonArray("data_offsets");
                long begin = offsets.get(0).getAsLong();
                long end = offsets.get(1).getAsLong();
                if (offsets.size() != 2 || begin < 0 || end < begin || end > dataSize) {
                    throw damaged(file, "tensor " + name + " lies at bytes [" + begin + ", " + end + ") of " + dataSize + " (is the file truncated?)");
                }
                if (end - begin != Math.multiplyExact(count, width)) {
                    throw damaged(file, "tensor " + name + " has " + (end - begin) + " bytes for shape " + new Shape(sizes) + " of " + dtype);
                }
                tensors.put(name, new Tensor(dtype, new Shape(sizes), dataStart + begin, dataStart + end));
                ranges.add(new long[] {begin, end});
            } catch (IllegalStateException | NullPointerException | UnsupportedOperationException
                    | IndexOutOfBoundsException | ClassCastException | NumberFormatException | ArithmeticException e) {
                throw damaged(file, "the header entry of tensor " + name + " is not {dtype, shape, data_offsets}");
            }
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long covered = 0;
        for (long[] range : ranges) {
            if (range[0] != covered) {
                throw damaged(file, "its tensors leave a gap or overlap at byte " + covered + " of the data");
            }
            covered = range[1];
        }
        if (covered != dataSize) {
            throw damaged(file, "it has " + (dataSize - covered) + " bytes after its last tensor");
        }
        return tensors;
    }

    /** Every tensor of a file {@link #checkHeader} accepted, by name, in {@code manager}. */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            for (NDArray array : NDList.decode(manager, in)) {
                tensors.put(array.getName(), array); // decoded in hash order: look them up by name
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read the tensors in " + file + ": " + e.getMessage(), e);
        }
        return tensors;
    }

    /**
     * Reads the tensors of a file {@link #checkHeader} accepted into {@code targets}, F32 arrays of
     * their shapes, by name, in place: each tensor's bytes go straight from the file into the
     * array's memory, so that loading a model holds no second copy of its weights.
     */
    public static void readInto(Path file, Map<String, NDArray> targets) {
        try (FileChannel channel = FileChannel.open(file)) {
            Map<String, Long> offsets = dataOffsets(file);
            for (Map.Entry<String, NDArray> target : targets.entrySet()) {
                NDArray array = target.getValue();
                if (array.getDevice().isGpu()) { // no host memory to read into: through a CPU copy
                    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
                        NDArray host = scope.zeros(array.getShape());
                        readTensor(channel, offsets.get(target.getKey()), host.toByteBuffer(true));
                        array.set(EVERYTHING, host.toDevice(array.getDevice(), false));
                    }
                } else {
                    readTensor(channel, offsets.get(target.getKey()), array.toByteBuffer(true));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read the tensors in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether tensor {@code name} of a file {@link #checkHeader} accepted holds the same bytes as {@code array} (CPU). */
    public static boolean sameBytes(Path file, String name, NDArray array) {
        ByteBuffer expected = array.toByteBuffer(true);
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file)) {
            long position = dataOffsets(file).get(name);
            while (expected.hasRemaining()) {
                chunk.clear().limit(Math.min(chunk.capacity(), expected.remaining()));
                readFully(channel, position, chunk);
                position += chunk.limit();
                ByteBuffer part = expected.slice().limit(chunk.limit());
                if (!chunk.flip().equals(part)) {
                    return false;
                }
                expected.position(expected.position() + chunk.limit());
            }
            return true;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where each tensor's bytes start in a file {@link #checkHeader} accepted, by name. */
    private static Map<String, Long> dataOffsets(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            long headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonObject header = JsonParser.parseString(new String(in.readNBytes((int) headerLength), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            Map<String, Long> offsets = new HashMap<>();
            for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
                if (!entry.getKey().equals("__metadata__")) {
                    long begin = entry.getValue().getAsJsonObject().getAsJsonArray("data_offsets").get(0).getAsLong();
                    offsets.put(entry.getKey(), 8 + headerLength + begin);
                }
            }
            return offsets;
        }
    }

    private static void readTensor(FileChannel channel, long position, ByteBuffer target) throws IOException {
        if (target.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("this machine stores floats big-endian, and the file little-endian");
        }
        readFully(channel, position, target);
    }

    private static void readFully(FileChannel channel, long position, ByteBuffer target) throws IOException {
        while (target.hasRemaining()) {
            int read = channel.read(target, position);
            if (read < 0) {
                throw new IOException("it ends inside a tensor");
            }
            position += read;
        }
    }

    private static CheckpointException damaged(Path file, String why) {
        return new CheckpointException(file + " is not a valid safetensors file: " + why);
    }
}
