#!/usr/bin/python3
"""(g) peer: pydicom dcmread + apply_modality_lut to float, files/s, on the same file as
bench_dicom (Debian's python3-pydicom + numpy: run with /usr/bin/python3).

usage: dicom_pydicom.py FILE [--copies 400] [--rounds 3]
Best round reported; last line "RESULT files_per_s=<best>". One thread: pydicom decoding holds
the GIL for most of its work, so threads would not scale it (processes would; that is not what
a DataLoader worker does per file either).
"""
import argparse
import time

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


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
            ds = pydicom.dcmread(args.file)
            values = apply_modality_lut(ds.pixel_array, ds).astype(np.float32)
            checksum += float(values.flat[0])
        rate = args.copies / (time.perf_counter() - t0)
        print(f"  round {round_}: {rate:.1f} files/s")
        best = max(best, rate)
    print(f"(checksum {checksum:.1f})\nRESULT files_per_s={best:.1f}")


if __name__ == "__main__":
    main()
