#!/opt/tessera/venv/bin/python
"""Writes the bad-input catalogue's files (tests/e2e/bad_input_test.cpp) into OUT.

    python make_bad_inputs.py OUT

Everything is generated (PIL, zlib, DCMTK's sample-free tools are not needed) except three DICOM
files derived from pydicom's test files when they are installed (Debian python3-pydicom):
CT_small.dcm truncated, CT_small.dcm without its pixel data, and a JPEG 2000 file whose fragment
holds no codestream (pydicom's JPEG2000-embedded-sequence-delimiter.dcm).
"""
import os
import struct
import sys
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

PYDICOM_FILES = Path("/usr/lib/python3/dist-packages/pydicom/data/test_files")


def digit_like(value: int, size: int = 20, mode: str = "L") -> Image.Image:
    """A small grey picture with a bar whose position depends on `value`."""
    image = Image.new(mode, (size, size), 0)
    ImageDraw.Draw(image).rectangle([value % 10 + 2, 3, value % 10 + 6, size - 4], fill=255 if mode == "L" else None)
    return image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_header_png(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming width x height, with one tiny IDAT: decoding it
    would allocate width * height bytes; a reader must refuse it from the header alone."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def strip_pixel_data(data: bytes) -> bytes:
    """CT_small.dcm without its (7FE0,0010) element: the header of an image with no pixels."""
    tag = struct.pack("<HH", 0x7FE0, 0x0010)
    at = data.rfind(tag)
    return data[:at] if at > 0 else data


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # --- datasets for `tessera train` -------------------------------------------------------
    (out / "empty").mkdir(exist_ok=True)
    flat = out / "flat"  # images but no class subfolders
    flat.mkdir(exist_ok=True)
    for i in range(4):
        digit_like(i).save(flat / f"img{i}.png")
    one = out / "one_class" / "cats"
    one.mkdir(parents=True, exist_ok=True)
    for i in range(4):
        digit_like(i).save(one / f"c{i}.png")
    # Two classes with awkward names: spaces, non-ASCII (Korean, accents), a symlink loop inside.
    odd = out / "odd names"
    for label in ("class one", "클래스 é"):
        folder = odd / label
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(6):
            digit_like(i + (5 if label != "class one" else 0)).save(folder / f"image {i} ü.png")
    loop = odd / "class one" / "loop"
    if not loop.is_symlink():
        os.symlink("..", loop)  # a folder that contains itself

    # --- one folder of files for `tessera infer`, each a case -------------------------------
    mixed = out / "mixed"
    mixed.mkdir(exist_ok=True)
    digit_like(3).save(mixed / "good.png")
    (mixed / "zero_bytes.png").write_bytes(b"")
    digit_like(4).convert("RGB").save(mixed / "full.jpg", quality=90)
    jpeg = (mixed / "full.jpg").read_bytes()
    (mixed / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    digit_like(5).save(mixed / "png_named.jpg", format="PNG")  # PNG data, JPEG extension
    Image.new("L", (1, 1), 200).save(mixed / "one_pixel.png")
    (mixed / "huge_header.png").write_bytes(huge_header_png(30000, 30000))
    Image.fromarray(__import__("numpy").full((20, 20), 40000, dtype="uint16")).save(mixed / "sixteen_bit.png")
    digit_like(6).convert("CMYK").save(mixed / "cmyk.jpg", quality=90)
    (mixed / "not_an_image.png").write_bytes(b"these are words, not pixels\n" * 10)
    digit_like(7).save(mixed / "name with spaces 한글.png")
    (mixed / "folder_named.png").mkdir(exist_ok=True)  # an image path that is a directory
    (mixed / "folder_named.png" / "inside.png").write_bytes(b"")  # ... holding a bad file
    if PYDICOM_FILES.is_dir():  # DICOM apart: a folder may not mix the two kinds
        dicom = out / "dicom"
        dicom.mkdir(exist_ok=True)
        ct = (PYDICOM_FILES / "CT_small.dcm").read_bytes()
        (dicom / "truncated.dcm").write_bytes(ct[: len(ct) * 2 // 3])
        (dicom / "no_pixels.dcm").write_bytes(strip_pixel_data(ct))
        # JPEG 2000 decodes now (OpenJPEG); this one's fragment holds a stray sequence delimiter
        # instead of a codestream header, which no decoder reads (pydicom 3 neither).
        (dicom / "jpeg2000_corrupt.dcm").write_bytes(
            (PYDICOM_FILES / "JPEG2000-embedded-sequence-delimiter.dcm").read_bytes())
        both = out / "both_kinds"
        both.mkdir(exist_ok=True)
        digit_like(1).save(both / "image.png")
        (both / "slice.dcm").write_bytes(ct)

    # --- texts for the language model --------------------------------------------------------
    text = out / "text"
    text.mkdir(exist_ok=True)
    (text / "empty.txt").write_bytes(b"")
    (text / "short.txt").write_text("tiny", encoding="utf-8")
    good = "The model reads a window of tokens and predicts the next one. 한국어도 읽는다.\n" * 40
    (text / "not_utf8.txt").write_bytes(good.encode("utf-8") + b"\xff\xfe broken \xc3\x28 bytes\n" + good.encode())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
