#!/usr/bin/python3
"""(g) and (m) peer: pydicom dcmread + apply_modality_lut (apply_color_lut for PALETTE COLOR) to
float, files/s, on the same file as bench_dicom. (g) runs it with Debian's python3-pydicom 2.3
(/usr/bin/python3); (m) with the venv's pydicom 3, whose plugins (pylibjpeg-openjpeg) decode JPEG
2000 and which reads files without a File Meta header only when forced (done here, as DCMTK does).

usage: dicom_pydicom.py FILE [--copies 400] [--rounds 3]
Best round reported; last line "RESULT files_per_s=<best>". One thread: pydicom decoding holds
the GIL for most of its work, so threads would not scale it (processes would; that is not what
a DataLoader worker does per file either).
"""
import argparse
import time

import numpy as np
import pydicom

if int(pydicom.__version__.split(".")[0]) >= 3:
    from pydicom.pixels import apply_color_lut, apply_modality_lut
else:
    from pydicom.pixel_data_handlers.util import apply_color_lut, apply_modality_lut


def decode(path: str) -> np.ndarray:
    ds = pydicom.dcmread(path, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    arr = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        return apply_color_lut(arr, ds).astype(np.float32)
    return apply_modality_lut(arr, ds).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best, checksum = 0.0, 0.0
    for round_ in range(args.rounds):
        t0 = time.perf_counter()
        for _ in range(args.copies):
            checksum += float(decode(args.file).flat[0])
        rate = args.copies / (time.perf_counter() - t0)
        print(f"  round {round_}: {rate:.1f} files/s")
        best = max(best, rate)
    print(f"(checksum {checksum:.1f})\nRESULT files_per_s={best:.1f}")


if __name__ == "__main__":
    main()
