package dev.jgpt.train.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.train.store.JsonError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code jgpt train --config FILE}: a JSON object whose keys are the train command's flag names
 * without dashes ({@code {"n-layer": 6, "lr": 0.0006}}). Its entries become flags placed before
 * the ones typed, so that typed flags win; a value picocli refuses is reported against the file's
 * key, not against a flag the user never typed.
 */
final class ConfigFile {

    private final Path file;
    private final Map<String, String> values; // flag -> value, as read from the file
    private final String[] expanded;

    private ConfigFile(Path file, Map<String, String> values, String[] expanded) {
        this.file = file;
        this.values = values;
        this.expanded = expanded;
    }

    /**
     * The command line with the --config file's entries in front of the typed train flags; the
     * arguments as they are when there is no --config.
     *
     * @throws IllegalArgumentException naming the file, and the key where there is one, if the file
     *     is missing, is not a JSON object, or holds an unknown key or a value that is not a scalar
     */
    static ConfigFile expand(String[] args, CommandLine cli) {
        int train = Arrays.asList(args).indexOf("train");
        Path file = null;
        for (int i = train + 1; train >= 0 && i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = Path.of(args[i + 1]);
            } else if (args[i].startsWith("--config=")) {
                file = Path.of(args[i].substring("--config=".length()));
            }
        }
        if (file == null) {
            return new ConfigFile(null, Map.of(), args);
        }
        CommandLine.Model.CommandSpec spec = cli.getSubcommands().get("train").getCommandSpec();
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : read(file).entrySet()) {
            String flag = "--" + entry.getKey();
            JsonElement value = entry.getValue();
            if (spec.findOption(flag) == null || flag.equals("--config")) {
                throw new IllegalArgumentException(file + ": unknown key \"" + entry.getKey() + "\" (keys are train's flag names, like \"n-layer\")");
            }
            if (value.isJsonNull()) {
                continue;
            }
            if (!value.isJsonPrimitive()) {
                throw new IllegalArgumentException(file + ": the value of \"" + entry.getKey() + "\" must be a number, a string or a boolean, got " + value);
            }
            values.put(flag, value.getAsString());
        }
        List<String> expanded = new ArrayList<>(Arrays.asList(args).subList(0, train + 1));
        values.forEach((flag, value) -> expanded.add(flag + "=" + value));
        expanded.addAll(Arrays.asList(args).subList(train + 1, args.length));
        return new ConfigFile(file, values, expanded.toArray(String[]::new));
    }

    /** The arguments to parse. */
    String[] arguments() {
        return expanded;
    }

    /**
     * The one-line reason for a refused value that came from this file ("my.json: \"n-layer\":
     * 'six' is not an int"), or null when the refused value was typed.
     */
    String blame(CommandLine.ParameterException error) {
        if (!(error.getArgSpec() instanceof CommandLine.Model.OptionSpec option) || error.getValue() == null) {
            return null;
        }
        String flag = option.longestName();
        if (!error.getValue().equals(values.get(flag))) {
            return null;
        }
        String prefix = "Invalid value for option '" + flag + "': ";
        String problem = error.getMessage().startsWith(prefix) ? error.getMessage().substring(prefix.length()) : error.getMessage();
        return file + ": \"" + flag.substring(2) + "\": " + problem;
    }

    private static JsonObject read(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw new IllegalArgumentException(file + ": a config file must hold one JSON object, got " + json);
            }
            return json.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("config file " + file + " is not valid JSON: " + JsonError.describe(e), e);
        }
    }
}
