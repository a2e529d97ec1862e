#!/opt/tessera/venv/bin/python
"""Builds a class-per-subfolder folder of JPEGs for the loader and end-to-end benchmarks.

Needs only PIL (and numpy for --source synthetic): no OpenCV.

Source images (--source samples): the 59 JPEGs of OpenCV's samples (Debian package opencv-doc,
/usr/share/doc/opencv-doc/examples/data/*.jpg), cached under /opt/tessera/cache/opencv-samples/.
When the cache is empty the .deb is fetched with `apt-get download` (no install) and unpacked.
--source synthetic draws every picture instead (smooth colour fields, random filled shapes and
lines, a light blur and sensor-like noise: at 500x375 and quality 85-95 the files are ~35-85 KB
and decode as fast as the samples do, ~1 ms with PIL), for machines without the samples and
without a network (the GPU machine). --source auto (the default) uses the samples when they are
cached or can be fetched, else synthetic.

Each output file is one source image, randomly cropped (60-100% of each side), maybe flipped,
resized to 300-500 px on its long side and saved at JPEG quality 85-95. With --size WxH every
file is exactly W x H instead (the crop takes that aspect ratio). The sources are dealt
round-robin into the classes, so every class sees different pictures. Everything is seeded: the
same arguments give byte-identical files (with --size or synthetic sources each file has its own
seed, so --jobs N processes give the same files as one).

  python bench/make_jpeg_folder.py [OUT] [--count 2000] [--classes 4] [--seed 0]
                                   [--size 500x375] [--source auto|samples|synthetic] [--jobs N]
"""
import argparse
import glob
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw, ImageFilter

CACHE = "/opt/tessera/cache/opencv-samples"
DEB_DATA = "./usr/share/doc/opencv-doc/examples/data/"


def ensure_sources(cache):
    files = sorted(glob.glob(os.path.join(cache, "*.jpg")))
    if files:
        return files
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fetching opencv-doc into {cache} ...", file=sys.stderr)
        subprocess.run(["apt-get", "download", "opencv-doc"], cwd=tmp, check=True, timeout=120)
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


_NOISE = {}


def synthetic_picture(rng, w, h):
    """A photo-like RGB picture drawn from rng (see the module docstring)."""
    import numpy as np

    if (h, w) not in _NOISE:  # a few fixed noise fields, rolled per picture: cheap and varied
        g = np.random.default_rng(12345)
        _NOISE[(h, w)] = [g.normal(0, 1, (h, w, 3)).astype(np.float32) for _ in range(4)]
    x, y = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        plane = np.full((h, w), rng.uniform(40, 200), np.float32)
        for _ in range(2):
            fx, fy = rng.uniform(0.005, 0.04), rng.uniform(0.005, 0.04)
            plane += rng.uniform(15, 45) * np.outer(np.cos(fy * y + rng.uniform(0, 6.3)),
                                                   np.cos(fx * x + rng.uniform(0, 6.3)))
        img[..., c] = plane
    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pic)
    for _ in range(rng.randint(8, 20)):
        x0, y0 = rng.randint(-50, w), rng.randint(-50, h)
        box = (x0, y0, x0 + rng.randint(20, 250), y0 + rng.randint(20, 200))
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse(box, fill=colour)
        elif kind < 0.8:
            draw.rectangle(box, fill=colour)
        else:
            draw.line(box, fill=colour, width=rng.randint(1, 6))
    pic = pic.filter(ImageFilter.BoxBlur(1))
    noise = np.roll(_NOISE[(h, w)][rng.randrange(4)], (rng.randrange(h), rng.randrange(w)), (0, 1))
    a = np.asarray(pic, dtype=np.float32) + rng.uniform(4, 10) * noise
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


# Per-file generation for --size / synthetic sources: each file has its own seeded RNG, so any
# number of worker processes writes the same bytes.
_JOB = {}


def _init_job(job):
    _JOB.update(job)
    if job["sources"]:
        _JOB["images"] = [Image.open(p).convert("RGB") for p in job["sources"]]


def make_one(i):
    out, classes, seed, size = _JOB["out"], _JOB["classes"], _JOB["seed"], _JOB["size"]
    rng = random.Random(f"{seed}/{i}")
    c = i % classes
    if _JOB["sources"]:
        per_class = [j for j in range(len(_JOB["images"])) if j % classes == c]
        img = _JOB["images"][per_class[(i // classes) % len(per_class)]]
        w, h = img.size
        if size:  # the largest window of the target aspect, 60-100% of it, anywhere in the image
            tw, th = size
            fit = min(w / tw, h / th) * rng.uniform(0.6, 1.0)
            cw, ch = max(1, int(tw * fit)), max(1, int(th * fit))
        else:
            cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        pic = img.crop((x, y, x + cw, y + ch))
        if rng.random() < 0.5:
            pic = pic.transpose(Image.FLIP_LEFT_RIGHT)
    else:
        if size:
            cw, ch = size
        else:
            long_side = rng.randint(300, 500)
            aspect = rng.uniform(0.6, 1.0)
            cw, ch = (long_side, int(long_side * aspect)) if rng.random() < 0.7 else (int(long_side * aspect), long_side)
        pic = synthetic_picture(rng, cw, ch)
    if size:
        target = size
    else:
        long_side = rng.randint(300, 500)
        scale = long_side / max(cw, ch)
        target = (max(1, round(cw * scale)), max(1, round(ch * scale)))
    if pic.size != tuple(target):
        pic = pic.resize(target, Image.BILINEAR)
    pic.save(os.path.join(out, f"class{c}", f"{i:05d}.jpg"), quality=rng.randint(85, 95))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="/tmp/tessera-bench/jpegs")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=CACHE)
    ap.add_argument("--size", help="WxH: every file exactly this size (e.g. 500x375)")
    ap.add_argument("--source", default="auto", choices=["auto", "samples", "synthetic"])
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (--size or synthetic sources)")
    args = ap.parse_args()

    size = None
    if args.size:
        try:
            size = tuple(int(v) for v in args.size.lower().split("x"))
            assert len(size) == 2 and min(size) > 0
        except (ValueError, AssertionError):
            sys.exit(f"--size wants WxH, e.g. 500x375, got {args.size!r}")
    sources = []
    if args.source != "synthetic":
        try:
            sources = ensure_sources(args.cache)
        except (OSError, subprocess.SubprocessError, IndexError) as e:
            if args.source == "samples":
                raise
            print(f"no sample JPEGs ({e}); drawing synthetic pictures instead", file=sys.stderr)
    legacy = bool(sources) and size is None  # the original sequential stream: same files as before
    stamp = os.path.join(args.out, ".made")
    key = f"count={args.count} classes={args.classes} seed={args.seed} sources={len(sources) or 'synthetic'}"
    key += "\n" if legacy else f" size={args.size} per-file-seed\n"
    if os.path.exists(stamp) and open(stamp).read() == key:
        print(f"{args.out}: up to date ({args.count} JPEGs)")
        return
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    for c in range(args.classes):
        os.makedirs(os.path.join(args.out, f"class{c}"), exist_ok=True)
    if not legacy:
        job = {"out": args.out, "classes": args.classes, "seed": args.seed, "size": size, "sources": sources}
        if args.jobs > 1:
            with multiprocessing.Pool(args.jobs, initializer=_init_job, initargs=(job,)) as pool:
                for _ in pool.imap_unordered(make_one, range(args.count), chunksize=16):
                    pass
        else:
            _init_job(job)
            for i in range(args.count):
                make_one(i)
        with open(stamp, "w") as f:
            f.write(key)
        kind = "synthetic pictures" if not sources else f"{len(sources)} sample pictures"
        print(f"{args.out}: {args.count} JPEGs in {args.classes} classes ({kind}, {args.size or 'mixed sizes'})")
        return

    images = [Image.open(p).convert("RGB") for p in sources]

    rng = random.Random(args.seed)
    per_class = [[img for j, img in enumerate(images) if j % args.classes == c] for c in range(args.classes)]
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
