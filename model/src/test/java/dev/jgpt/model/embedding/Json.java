package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the nested number lists of a golden case into NDArrays. */
final class Json {

    private Json() {}

    /** The shape of a nested list; a bare number is 0-d. */
    static Shape shapeOf(JsonElement element) {
        List<Long> dims = new ArrayList<>();
        while (element.isJsonArray()) {
            JsonArray array = element.getAsJsonArray();
            dims.add((long) array.size());
            if (array.isEmpty()) {
                break;
            }
            element = array.get(0);
        }
        return new Shape(dims.stream().mapToLong(Long::longValue).toArray());
    }

    static Shape shape(JsonObject object, String shapeField, String dataField) {
        if (object.has(shapeField)) {
            JsonArray dims = object.getAsJsonArray(shapeField);
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).getAsLong();
            }
            return new Shape(shape);
        }
        return shapeOf(object.get(dataField));
    }

    static double[] flatten(JsonElement element) {
        List<Double> values = new ArrayList<>();
        flattenInto(element, values);
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void flattenInto(JsonElement element, List<Double> values) {
        if (element.isJsonArray()) {
            for (JsonElement child : element.getAsJsonArray()) {
                flattenInto(child, values);
            }
        } else {
            values.add(number(element));
        }
    }

    /**
     * A number; Python's json writes NaN and infinities as the bare words NaN, Infinity and
     * -Infinity (read by Gson's lenient parser), and some writers quote them or spell them nan, inf.
     */
    static double number(JsonElement element) {
        JsonPrimitive primitive = element.getAsJsonPrimitive();
        if (primitive.isString()) {
            switch (primitive.getAsString().trim().toLowerCase(Locale.ROOT)) {
                case "nan":
                    return Double.NaN;
                case "inf", "+inf", "infinity", "+infinity":
                    return Double.POSITIVE_INFINITY;
                case "-inf", "-infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    return Double.parseDouble(primitive.getAsString());
            }
        }
        return primitive.getAsDouble();
    }

    static float[] floats(JsonElement element) {
        double[] values = flatten(element);
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    static NDArray floatArray(NDManager manager, JsonElement element, Shape shape) {
        return manager.create(floats(element), shape);
    }

    static NDArray floatArray(NDManager manager, JsonElement element) {
        return floatArray(manager, element, shapeOf(element));
    }

    /** Integer indices as int64 or int32. */
    static NDArray indices(NDManager manager, JsonElement element, Shape shape, DataType type) {
        double[] values = flatten(element);
        long[] ids = new long[values.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (long) values[i];
        }
        return manager.create(ids, shape).toType(type, false);
    }
}
