#!/usr/bin/env python3
"""Builds a class-per-subfolder folder of JPEGs for the loader benchmark (bench_loader vs torchvision).

Source images: the 59 JPEGs of OpenCV's samples (Debian package opencv-doc,
/usr/share/doc/opencv-doc/examples/data/*.jpg), cached under /opt/tessera/cache/opencv-samples/.
When the cache is empty the .deb is fetched with `apt-get download` (no install) and unpacked.

Each output file is one source image, randomly cropped (60-100% of each side), maybe flipped,
resized to 300-500 px on its long side and saved at JPEG quality 85-95. The sources are dealt
round-robin into the classes, so every class sees different pictures. Everything is seeded:
the same arguments give byte-identical files.

  python bench/make_jpeg_folder.py [OUT] [--count 2000] [--classes 4] [--seed 0]
"""
import argparse
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

CACHE = "/opt/tessera/cache/opencv-samples"
DEB_DATA = "./usr/share/doc/opencv-doc/examples/data/"


def ensure_sources(cache):
    files = sorted(glob.glob(os.path.join(cache, "*.jpg")))
    if files:
        return files
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fetching opencv-doc into {cache} ...", file=sys.stderr)
        subprocess.run(["apt-get", "download", "opencv-doc"], cwd=tmp, check=True)
        deb = glob.glob(os.path.join(tmp, "opencv-doc_*.deb"))[0]
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", DEB_DATA], stdin=tar.stdout, cwd=tmp, check=True)
        tar.wait()
        for f in glob.glob(os.path.join(tmp, DEB_DATA, "*.jpg")):
            shutil.copy(f, cache)
    files = sorted(glob.glob(os.path.join(cache, "*.jpg")))
    if not files:
        sys.exit(f"no sample JPEGs found in {cache}")
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="/tmp/tessera-bench/jpegs")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=CACHE)
    args = ap.parse_args()

    sources = ensure_sources(args.cache)
    images = [Image.open(p).convert("RGB") for p in sources]
    stamp = os.path.join(args.out, ".made")
    key = f"count={args.count} classes={args.classes} seed={args.seed} sources={len(sources)}\n"
    if os.path.exists(stamp) and open(stamp).read() == key:
        print(f"{args.out}: up to date ({args.count} JPEGs)")
        return
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)

    rng = random.Random(args.seed)
    per_class = [[img for j, img in enumerate(images) if j % args.classes == c] for c in range(args.classes)]
    for c in range(args.classes):
        os.makedirs(os.path.join(args.out, f"class{c}"), exist_ok=True)
    for i in range(args.count):
        c = i % args.classes
        img = per_class[c][(i // args.classes) % len(per_class[c])]
        w, h = img.size
        cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        out = img.crop((x, y, x + cw, y + ch))
        if rng.random() < 0.5:
            out = out.transpose(Image.FLIP_LEFT_RIGHT)
        long_side = rng.randint(300, 500)
        scale = long_side / max(cw, ch)
        out = out.resize((max(1, round(cw * scale)), max(1, round(ch * scale))), Image.BILINEAR)
        out.save(os.path.join(args.out, f"class{c}", f"{i:05d}.jpg"), quality=rng.randint(85, 95))
    with open(stamp, "w") as f:
        f.write(key)
    print(f"{args.out}: {args.count} JPEGs in {args.classes} classes")


if __name__ == "__main__":
    main()
