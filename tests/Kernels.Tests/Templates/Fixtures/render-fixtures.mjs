// Renders every template under templates/ over a fixed set of conversations with @huggingface/jinja
// (Hugging Face's chat-template engine, trim_blocks + lstrip_blocks as transformers uses) and writes
// fixtures/<template>.json. The C# tests compare ChatTemplate.Render against these byte for byte,
// so they never need node. Run: npm ci && node render-fixtures.mjs
import fs from "node:fs";
import path from "node:path";
import { Template } from "@huggingface/jinja";

const here = path.dirname(new URL(import.meta.url).pathname);

const conversations = {
  system_user: [
    { role: "system", content: "You are a concise assistant." },
    { role: "user", content: "What is the capital of France?" },
  ],
  multi_turn: [
    { role: "user", content: "Hello, how are you?" },
    { role: "assistant", content: "I'm doing great. How can I help you today?" },
    { role: "user", content: "Tell me a joke about compilers." },
  ],
  multi_turn_with_system: [
    { role: "system", content: "Answer in one sentence." },
    { role: "user", content: "Hi!" },
    { role: "assistant", content: "Hello! What can I do for you?" },
    { role: "user", content: "Explain KV caching." },
    { role: "assistant", content: "It stores past keys and values so decoding reuses them." },
  ],
  single_user: [{ role: "user", content: "Just one question." }],
  unicode: [
    { role: "user", content: "Grüße aus Köln! 🚀👩‍💻 你好，世界。Ελληνικά — “quotes” ‘single’ \\ backslash" },
    { role: "assistant", content: "こんにちは 😀 — emoji: 🇫🇷 ✓" },
    { role: "user", content: "Tab\there, \"double\" and 'single' quotes, {{ not a tag }} {% nor this %}" },
  ],
  whitespace: [
    { role: "system", content: "  \n  padded system  \n\n" },
    { role: "user", content: "\n\n   leading and trailing   \t\n" },
    { role: "assistant", content: "   \n" },
    { role: "user", content: "line one\n\n    indented line\r\nwindows line\n" },
  ],
  broken_alternation: [
    { role: "user", content: "first" },
    { role: "user", content: "second in a row" },
  ],
};

const tools = [
  {
    type: "function",
    function: {
      name: "get_current_weather",
      description: "Get the current weather in a given location — “quoted” ünïcode",
      parameters: {
        type: "object",
        properties: {
          location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"] },
          days: { type: "integer", minimum: 1, maximum: 7.5 },
        },
        required: ["location"],
      },
    },
  },
];

// Per template: the tokens its tokenizer_config.json declares, and which cases apply.
const templates = {
  llama3: { vars: { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" } },
  llama3_1: { vars: { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>", date_string: "05 Mar 2025" }, tools: true },
  qwen2_5: { vars: { bos_token: null, eos_token: "<|im_end|>" }, tools: true },
  mistral_v0_1: { vars: { bos_token: "<s>", eos_token: "</s>" } },
  mistral_v0_3: { vars: { bos_token: "<s>", eos_token: "</s>" }, tools: true },
};

fs.mkdirSync(path.join(here, "expected"), { recursive: true });
for (const [name, spec] of Object.entries(templates)) {
  const source = fs.readFileSync(path.join(here, "templates", name + ".jinja"), "utf8");
  const template = new Template(source);
  const cases = [];
  const variants = [{ label: "", extra: {} }];
  if (spec.tools) variants.push({ label: "+tools", extra: { tools } });
  for (const [conv, messages] of Object.entries(conversations)) {
    for (const variant of variants) {
      for (const addGenerationPrompt of [false, true]) {
        const variables = { ...spec.vars, ...variant.extra };
        const c = { name: `${conv}${variant.label}${addGenerationPrompt ? "+gen" : ""}`, messages, add_generation_prompt: addGenerationPrompt, variables };
        try {
          c.expected = template.render({ messages, add_generation_prompt: addGenerationPrompt, ...variables });
        } catch (e) {
          c.expected_error = String(e.message ?? e);
        }
        cases.push(c);
      }
    }
  }
  const out = { template: `templates/${name}.jinja`, cases };
  fs.writeFileSync(path.join(here, "expected", name + ".json"), JSON.stringify(out, null, 2) + "\n");
  console.log(name, cases.length, "cases,", cases.filter((c) => c.expected_error).length, "errors");
}
