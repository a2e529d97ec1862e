#!/opt/tessera/venv/bin/python
"""Naive byte-level BPE for bpe_train_test.cpp: the rules of src/text/bpe_trainer.cpp (GPT-2
pre-tokens after NFC; most frequent pair first, ties to the smallest (left bytes, right bytes);
pairs seen fewer than 2 times never merged), but every pair recounted after every merge: slow
and plainly correct.
  bpe_reference.py IN VOCAB_SIZE OUT   writes the merges to OUT as a JSON list of [left, right]
"""
import json
import sys
import unicodedata
from collections import Counter

import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

with open(sys.argv[1], encoding="utf-8", newline="") as f:
    text = unicodedata.normalize("NFC", f.read())
vocab_size = int(sys.argv[2])

words = [(list(word.encode("utf-8")), count) for word, count in Counter(PATTERN.findall(text)).items()]
token_bytes = [bytes([b]) for b in range(256)]
merges = []
while len(merges) < vocab_size - 256 - 2:
    pairs = Counter()
    for symbols, count in words:
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += count
    if not pairs:
        break
    (left, right), count = min(pairs.items(),
                               key=lambda kv: (-kv[1], token_bytes[kv[0][0]], token_bytes[kv[0][1]]))
    if count < 2:
        break
    new = len(token_bytes)
    token_bytes.append(token_bytes[left] + token_bytes[right])
    merges.append([left, right])
    for symbols, _ in words:
        i = 0
        while i + 1 < len(symbols):
            if symbols[i] == left and symbols[i + 1] == right:
                symbols[i:i + 2] = [new]
            i += 1

with open(sys.argv[3], "w") as f:
    json.dump(merges, f)
