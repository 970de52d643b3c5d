// tokenizer_peer.mjs -- the JavaScript peer for the WordPiece goldens:
// Hugging Face tokenizers.js (npm @huggingface/tokenizers) driven by a
// tokenizer.json built from vocab.txt exactly as Hugging Face's
// BertTokenizerFast serialises bert-base-uncased.
//
//   TOKPEER=/tmp/tokpeer node tests/ref/tokenizer_peer.mjs VOCAB LOWER < in.json > out.json
//
// TOKPEER is a scratch directory OUTSIDE the repository where
// `npm install @huggingface/tokenizers` was run. Input: a JSON array of
// [text_a, text_b or null]; output: a JSON array of {tokens, ids, type_ids}
// (untruncated, with [CLS]/[SEP]). Run by make_tokenizer_golden.py.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire((process.env.TOKPEER || "/tmp/tokpeer") + "/");
const { Tokenizer } = require("@huggingface/tokenizers");

const [vocabPath, lowerArg] = process.argv.slice(2);
const lower = lowerArg !== "0";
// HF load_vocab: universal newlines, one token per line, id = line index.
const lines = readFileSync(vocabPath, "utf8").split(/\r\n|\r|\n/);
if (lines.length && lines[lines.length - 1] === "") lines.pop();
const vocab = {};
lines.forEach((t, i) => { vocab[t] = i; });

const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const tokenizerJson = {
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: specials.map((t) => ({
    id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true,
  })),
  normalizer: {
    type: "BertNormalizer", clean_text: true, handle_chinese_chars: true,
    strip_accents: null, lowercase: lower,
  },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: {
    type: "TemplateProcessing",
    single: [
      { SpecialToken: { id: "[CLS]", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: "[SEP]", type_id: 0 } },
    ],
    pair: [
      { SpecialToken: { id: "[CLS]", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: "[SEP]", type_id: 0 } },
      { Sequence: { id: "B", type_id: 1 } },
      { SpecialToken: { id: "[SEP]", type_id: 1 } },
    ],
    special_tokens: {
      "[CLS]": { id: "[CLS]", ids: [vocab["[CLS]"]], tokens: ["[CLS]"] },
      "[SEP]": { id: "[SEP]", ids: [vocab["[SEP]"]], tokens: ["[SEP]"] },
    },
  },
  decoder: { type: "WordPiece", prefix: "##", cleanup: true },
  model: {
    type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##",
    max_input_chars_per_word: 100, vocab,
  },
};
const config = {
  do_lower_case: lower, model_max_length: 512, tokenizer_class: "BertTokenizer",
  unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]",
  mask_token: "[MASK]", clean_up_tokenization_spaces: true,
};
const tok = new Tokenizer(tokenizerJson, config);

const cases = JSON.parse(readFileSync(0, "utf8"));
const out = cases.map(([a, b]) => {
  const e = tok.encode(a, { text_pair: b, add_special_tokens: true, return_token_type_ids: true });
  return { tokens: e.tokens, ids: e.ids, type_ids: e.token_type_ids };
});
process.stdout.write(JSON.stringify(out));
