#!/usr/bin/python3
"""The CLIP BPE tokenizer in Python, written from the spec (design/openclip-interface.md, "CLIP
tokenizer"; lcl-spec.md, "Special tokens") as the reference for `scripts/bench tokenizer`.

Same algorithm as OpenAI CLIP's / OpenCLIP's SimpleTokenizer (its own code, not an import of
open_clip): bytes_to_unicode, the first 49152-256-2 merges, html.unescape twice + strip,
whitespace collapsed, lower-cased (ftfy not applied), the `regex` split pattern with LCL's three
special strings, BPE with a per-word cache (unbounded, as the reference's dict).

Runs under the system python3 with Debian's python3-regex:

  reference_tokenizer.py --vocab F --texts FILE [--passes N] [--ids-out F] [--vectors F]

--texts: one text a line (UTF-8, split on '\n' only). Encodes every line once (warm-up, empty
cache), then --passes timed passes (0: none) and prints
  reference: texts=<n> tokens=<n> seconds=<best pass> tokens_per_s=<x> cold_tokens_per_s=<y>
(x from the best pass, y from the warm-up pass). --ids-out writes the ids, one line per text,
space separated. --vectors: checks clip_tokenizer_vectors.jsonl and exits.
"""
import argparse
import gzip
import html
import json
import sys
import time
from functools import lru_cache

import regex as re

SPECIALS = ["<start_of_text>", "<end_of_text>", "<img_placehold>", "<start_of_img>", "<end_of_img>"]


@lru_cache()
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    pairs = set()
    prev = word[0]
    for ch in word[1:]:
        pairs.add((prev, ch))
        prev = ch
    return pairs


def basic_clean(text):
    # ftfy.fix_text is not applied (identity), as for the test vectors
    text = html.unescape(html.unescape(text))
    return text.strip()


def whitespace_clean(text):
    text = re.sub(r"\s+", " ", text)
    return text.strip()


class Tokenizer:
    def __init__(self, vocab_path):
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        with open(vocab_path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        merges = data.decode("utf-8").split("\n")
        merges = merges[1:49152 - 256 - 2 + 1]
        merges = [tuple(m.split()) for m in merges]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        for m in merges:
            vocab.append("".join(m))
        vocab.extend(SPECIALS)
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {t: t for t in SPECIALS}
        special = "|".join(SPECIALS)
        self.pat = re.compile(special + r"""|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", re.IGNORECASE)
        self.sot = self.encoder["<start_of_text>"]
        self.eot = self.encoder["<end_of_text>"]

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        text = whitespace_clean(basic_clean(text)).lower()
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return bpe_tokens

    def decode(self, tokens):
        text = "".join(self.decoder[t] for t in tokens)
        return bytearray([self.byte_decoder[c] for c in text]).decode("utf-8", errors="replace").replace("</w>", " ")

    def tokenize(self, text, context_length=77):
        tokens = [self.sot] + self.encode(text) + [self.eot]
        if len(tokens) > context_length:
            tokens = tokens[:context_length]
            tokens[-1] = self.eot
        return tokens + [0] * (context_length - len(tokens))


def check_vectors(tok, path):
    bad = 0
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            n += 1
            if tok.encode(v["text"]) != v["encode"] or tok.tokenize(v["text"], 77) != v["tokens77"]:
                bad += 1
                print("mismatch:", repr(v["text"])[:80], file=sys.stderr)
    print(f"vectors: {n} checked, {bad} mismatches")
    return bad == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--texts")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--ids-out")
    ap.add_argument("--vectors")
    args = ap.parse_args()
    tok = Tokenizer(args.vocab)
    if args.vectors:
        sys.exit(0 if check_vectors(tok, args.vectors) else 1)
    with open(args.texts, encoding="utf-8", newline="") as f:
        texts = f.read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    t0 = time.perf_counter()
    ids = [tok.encode(t) for t in texts]  # warm-up: fills the cache
    cold = time.perf_counter() - t0
    tokens = sum(len(x) for x in ids)
    best = float("inf")
    for _ in range(args.passes):
        t0 = time.perf_counter()
        for t in texts:
            tok.encode(t)
        best = min(best, time.perf_counter() - t0)
    if args.ids_out:
        with open(args.ids_out, "w") as f:
            for x in ids:
                f.write(" ".join(map(str, x)) + "\n")
    if args.passes > 0:
        print(f"reference: texts={len(texts)} tokens={tokens} seconds={best:.4f} tokens_per_s={tokens / best:.0f} "
              f"cold_tokens_per_s={tokens / cold:.0f}")
    else:
        print(f"reference: texts={len(texts)} tokens={tokens}")


if __name__ == "__main__":
    main()
