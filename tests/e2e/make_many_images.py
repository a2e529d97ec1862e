#!/opt/tessera/venv/bin/python
"""Writes N small PNGs (8x8 grey, a different pattern each) into OUT/<thousands>/<n>.png for the
bounded-memory check (tests/e2e/memory_slow_test.cpp).

    python make_many_images.py OUT N
"""
import io
import sys
from pathlib import Path

from PIL import Image


def main(out: Path, count: int) -> None:
    for n in range(count):
        folder = out / f"{n // 1000:03d}"
        if n % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        pixels = bytes((n * 7 + i * 13) % 256 for i in range(64))
        Image.frombytes("L", (8, 8), pixels).save(folder / f"{n:06d}.png", optimize=False, compress_level=1)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
