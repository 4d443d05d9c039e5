package dev.jgpt.train.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code jgpt train --config FILE}: a JSON object whose keys are the train command's flag names
 * without dashes ({@code {"n-layer": 6, "lr": 0.0006}}). Its entries become flags placed before
 * the ones typed, so that typed flags win.
 */
final class ConfigFile {

    private ConfigFile() {}

    static String[] expand(String[] args, CommandLine cli) {
        int train = Arrays.asList(args).indexOf("train");
        if (train < 0) {
            return args;
        }
        Path file = null;
        for (int i = train + 1; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = Path.of(args[i + 1]);
            } else if (args[i].startsWith("--config=")) {
                file = Path.of(args[i].substring("--config=".length()));
            }
        }
        if (file == null) {
            return args;
        }
        CommandLine.Model.CommandSpec spec = cli.getSubcommands().get("train").getCommandSpec();
        List<String> expanded = new ArrayList<>(Arrays.asList(args).subList(0, train + 1));
        for (Map.Entry<String, JsonElement> entry : read(file).entrySet()) {
            String flag = "--" + entry.getKey();
            JsonElement value = entry.getValue();
            if (spec.findOption(flag) == null || flag.equals("--config")) {
                throw new IllegalArgumentException(file + ": unknown key '" + entry.getKey() + "' (keys are train's flag names, like \"n-layer\")");
            }
            if (value.isJsonNull()) {
                continue;
            }
            if (!value.isJsonPrimitive()) {
                throw new IllegalArgumentException(file + ": the value of '" + entry.getKey() + "' must be a number, a string or a boolean, got " + value);
            }
            expanded.add(flag + "=" + value.getAsString());
        }
        expanded.addAll(Arrays.asList(args).subList(train + 1, args.length));
        return expanded.toArray(String[]::new);
    }

    private static JsonObject read(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw new IllegalArgumentException(file + ": a config file must hold one JSON object, got " + json);
            }
            return json.getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("config file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
