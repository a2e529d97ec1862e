#!/opt/tessera/venv/bin/python
"""Seeds for fuzz/dicom_codecs_fuzz.cpp: the first frame of each encapsulated DICOM file given
(RLE, JPEG 2000 / HTJ2K, JPEG), with the 6-byte prefix that target reads (decoder, rows, columns,
samples and bytes per sample).

    make_codec_seeds.py OUT_DIR FILE...
"""
import sys
import warnings
from pathlib import Path

import pydicom
from pydicom.encaps import generate_frames

DECODER = {"1.2.840.10008.1.2.5": 0}  # RLE
DECODER.update({uid: 1 for uid in ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
                                   "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203")})
DECODER.update({uid: 2 for uid in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                                   "1.2.840.10008.1.2.4.70")})

warnings.simplefilter("ignore")  # pydicom's notes on odd test files are not ours to show
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
written = 0
for name in sys.argv[2:]:
    try:
        ds = pydicom.dcmread(name, force=True)
        syntax = str(ds.file_meta.get("TransferSyntaxUID", ""))
        if syntax not in DECODER or ds.Rows > 512 or ds.Columns > 512:
            continue
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        frame = next(generate_frames(ds.PixelData, number_of_frames=frames))
        bytes_per_sample = {8: 0, 16: 1, 32: 2}[int(ds.BitsAllocated)]
        prefix = bytes([DECODER[syntax], (ds.Rows - 1) & 0xFF, (ds.Rows - 1) >> 8, (ds.Columns - 1) & 0xFF,
                        (ds.Columns - 1) >> 8, (bytes_per_sample << 1) | (1 if int(ds.get("SamplesPerPixel", 1)) == 3 else 0)])
        if len(frame) > 1 << 20:
            continue
        (out / (Path(name).stem + ".bin")).write_bytes(prefix + frame)
        written += 1
    except Exception:  # a seed is optional: skip what pydicom cannot split
        continue
print(f"make_codec_seeds.py: {written} frames")
