#!/opt/tessera/venv/bin/python
"""(m) peer: pydicom 3 with pylibjpeg-openjpeg (the venv) decoding to float, files/s, on the same
file as bench_dicom: dcmread, pixel_array (JPEG 2000 through pylibjpeg-openjpeg, RLE through
pydicom's own decoder), then apply_color_lut for PALETTE COLOR or apply_modality_lut otherwise.

usage: dicom_pydicom3.py FILE [--copies 400] [--rounds 3]
Best round reported; last line "RESULT files_per_s=<best>". One thread, as dicom_pydicom.py.
"""
import argparse
import time

import numpy as np
import pydicom
from pydicom.pixels import apply_color_lut, apply_modality_lut


def decode(path: str) -> np.ndarray:
    ds = pydicom.dcmread(path, force=True)  # force: files without a File Meta header, as DCMTK reads them
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
