package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** GPT-2's encoding through jtokkit against ids from OpenAI's tiktoken (resources/gpt2/make_fixture.js). */
class GptEncodingFixtureTest {

    @Test
    void jtokkitEncodesMixedScriptTextAsTiktokenDoes() throws IOException {
        JsonObject fixture;
        try (InputStream in = getClass().getResourceAsStream("/gpt2/mixed_script.json")) {
            fixture = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        String text = fixture.get("text").getAsString();
        int[] expected = StreamSupport.stream(fixture.getAsJsonArray("ids").spliterator(), false)
                .mapToInt(id -> id.getAsInt()).toArray();
        BytePairTokenizer gpt2 = BytePairTokenizer.gpt2();
        assertArrayEquals(expected, gpt2.ids(text));
        assertEquals(text, gpt2.decode(expected));
    }
}
