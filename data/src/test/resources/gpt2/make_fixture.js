// Writes mixed_script.json: a mixed-script text and its ids under OpenAI's tiktoken "gpt2"
// encoding (encode_ordinary), the reference for GptEncodingFixtureTest.
// Run: npm install tiktoken (the WASM build of OpenAI's tiktoken) in a scratch folder, then
//   NODE_PATH=<scratch>/node_modules node make_fixture.js
const fs = require("fs");
const path = require("path");
const { get_encoding } = require("tiktoken");

const text = [
  "Hello world! It's 2024; we'll see what they've done, didn't they?",
  "  leading spaces,\ttabs\t\tand   runs     of spaces   \n\n\nthree newlines\r\nCRLF\r\n",
  "Ελληνικά, Русский текст, العربية, עברית, हिन्दी, 日本語のテキスト、中文文本。한국어 텍스트.",
  "Emoji: 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 😀 — combining: e\u0301 n\u0303; NBSP:\u00a0x; ideographic space:\u3000y.",
  "Numbers 1234567890 3.14159 1,000,000 and <|endoftext|> as ordinary text. Café naïve façade.",
  "Code: for (int i = 0; i < n; i++) { x += a[i] * 2; } // done\n    indented\n",
].join("\n");

const enc = get_encoding("gpt2");
const ids = Array.from(enc.encode_ordinary(text));
enc.free();
fs.writeFileSync(path.join(__dirname, "mixed_script.json"), JSON.stringify({ text, ids }) + "\n");
console.log(`${ids.length} ids for ${Buffer.byteLength(text, "utf8")} bytes`);
