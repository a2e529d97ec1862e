#!/opt/tessera/venv/bin/python
"""Copies a prepared digits folder (tessera prepare digits: <split>/<digit>/NNNN.png) as JPEG
files of the highest quality, for the GPU machine, whose build has no OpenCV and decodes JPEG
only (libjpeg-turbo). The same JPEG set is trained on the CPU here and on the GPU there, so the
two accuracies compare the devices, not the file formats.

usage: digits_to_jpeg.py SRC_DIR DST_DIR
Deterministic: the same PNGs give byte-identical JPEGs (PIL, quality 100, no subsampling).
"""
import shutil
import sys
from pathlib import Path

from PIL import Image


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    pngs = sorted(src.glob("*/*/*.png"))
    if not pngs:
        print(f"digits_to_jpeg.py: no <split>/<class>/*.png under {src} (run tessera prepare digits first)",
              file=sys.stderr)
        return 1
    for png in pngs:
        out = dst / png.relative_to(src).with_suffix(".jpg")
        out.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(png) as image:
            image.convert("L").save(out, quality=100, subsampling=0)
    if (src / "SOURCE.txt").exists():
        shutil.copy(src / "SOURCE.txt", dst / "SOURCE.txt")
    print(f"{len(pngs)} JPEGs written under {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
