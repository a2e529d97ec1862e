#!/opt/tessera/venv/bin/python
"""The data fingerprint framing of include/tessera/data/fingerprint.h, written again with hashlib.

usage: fingerprint_reference.py folder ROOT   image folder: classes = sorted subfolders, files
                                              sorted by path under each (only image/DICOM suffixes)
       fingerprint_reference.py csv FILE      CSV manifest "path,label", rows in file order
       fingerprint_reference.py text PATH     a text file, or every file under a folder, sorted
Prints {"files": n, "bytes": n, "sha256": hex}.
"""
import csv
import hashlib
import json
import os
import struct
import sys

SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".dcm", ".dicom"}


def frame(hash_, field: bytes):
    hash_.update(struct.pack("<Q", len(field)))
    hash_.update(field)


def digest(samples):
    """samples: (name, label, path) in order."""
    h = hashlib.sha256()
    total = 0
    for name, label, path in samples:
        with open(path, "rb") as f:
            content = f.read()
        frame(h, name.encode())
        frame(h, label.encode())
        frame(h, content)
        total += len(content)
    return {"files": len(samples), "bytes": total, "sha256": h.hexdigest()}


def walk(folder):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                yield os.path.join(dirpath, name)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    samples = []
    if mode == "folder":
        for label in sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)) and not d.startswith(".")):
            files = [f for f in walk(os.path.join(path, label)) if os.path.splitext(f)[1].lower() in SUFFIXES]
            for f in sorted(files):
                samples.append((os.path.relpath(f, path).replace(os.sep, "/"), label, f))
    elif mode == "csv":
        base = os.path.dirname(path)
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                samples.append((row["path"], row.get("label", ""), os.path.join(base, row["path"])))
    elif mode == "text":
        if os.path.isfile(path):
            samples.append((os.path.basename(path), "", path))
        else:
            for f in sorted(walk(path)):
                samples.append((os.path.relpath(f, path).replace(os.sep, "/"), "", f))
    print(json.dumps(digest(samples)))


if __name__ == "__main__":
    main()
