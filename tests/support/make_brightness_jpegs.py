#!/opt/tessera/venv/bin/python
"""Writes a tiny 3-class JPEG dataset for the CUDA tests: grey 20x20 images whose class is their
brightness (40, 128, 215) plus uniform noise of +-20, `per_class` per class, from a fixed seed.
Only PIL and the standard library, so it runs on the GPU machine too (no OpenCV there).

usage: make_brightness_jpegs.py OUT_DIR PER_CLASS SEED
"""
import random
import sys
from pathlib import Path

from PIL import Image


def main() -> None:
    out, per_class, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    for name, level in (("bright", 215), ("dark", 40), ("mid", 128)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = bytes(max(0, min(255, level + rng.randint(-20, 20))) for _ in range(20 * 20))
            Image.frombytes("L", (20, 20), pixels).save(folder / f"{i}.jpg", quality=95)


if __name__ == "__main__":
    main()
