#!/opt/tessera/venv/bin/python
"""Cross-check for safetensors_test.cpp with Python's `safetensors` package.
  safetensors_reference.py check PATH   exit 0 if PATH (written by Tessera) holds expected()
  safetensors_reference.py write PATH   write expected() with Python's safetensors
The C++ test builds the same tensors independently (see expected_tensors there).
"""
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

METADATA = {"format": "pt", "origin": "tessera-test", "unicode": "gr\u00fc\u00dfe"}


def expected() -> dict:
    base = torch.arange(-12, 12, dtype=torch.float64).reshape(2, 3, 4)
    out = {}
    for name, dtype in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16),
                        ("f64", torch.float64)]:
        out[name] = (base * 0.25).to(dtype)  # quarters are exact in every float type
    for name, dtype in [("i64", torch.int64), ("i32", torch.int32), ("i16", torch.int16),
                        ("i8", torch.int8)]:
        out[name] = (base * 5).to(dtype)
    out["u8"] = (base + 12).to(torch.uint8) * 10
    out["bool"] = (base.to(torch.int64) % 3) == 0
    out["scalar"] = torch.tensor(3.5, dtype=torch.float32)
    out["empty"] = torch.zeros(0, 3, dtype=torch.float32)
    out["big_i64"] = torch.tensor([2**62 + 1, -(2**40) - 3], dtype=torch.int64)
    return out


def main() -> int:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        save_file(expected(), path, metadata=METADATA)
        return 0
    got = load_file(path)
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    want = expected()
    ok = True
    if set(got) != set(want):
        print("keys differ:", sorted(got), sorted(want))
        ok = False
    for k in want:
        if k in got and (got[k].dtype != want[k].dtype or got[k].shape != want[k].shape
                         or not torch.equal(got[k], want[k])):
            print("tensor differs:", k, got[k].dtype, tuple(got[k].shape))
            ok = False
    if metadata != METADATA:
        print("metadata differs:", metadata)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
