#!/opt/tessera/venv/bin/python
"""Cross-check for pretokenize_test.cpp: GPT-2's pre-tokenisation regex run by the `regex` module
(as in openai/gpt-2 src/encoder.py).
  pretokenize_reference.py IN OUT   writes the chunks of IN (UTF-8) to OUT as one JSON list
"""
import json
import sys

import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

with open(sys.argv[1], encoding="utf-8", newline="") as f:
    text = f.read()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(PATTERN.findall(text), f, ensure_ascii=True)
