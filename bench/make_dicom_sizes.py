#!/usr/bin/python3
"""(g) clinical-size twins of pydicom's tiny CT_small (128x128) and MR_small (64x64): each pixel
repeated 4x4 (np.kron), so a 512x512 CT slice and a 256x256 MR slice with the same header,
rescale and syntax (explicit VR little endian). Debian's python3-pydicom + numpy.

usage: make_dicom_sizes.py OUT_DIR   -> OUT_DIR/CT_512.dcm, OUT_DIR/MR_256.dcm
"""
import os
import sys

import numpy as np
import pydicom

SOURCE = "/usr/lib/python3/dist-packages/pydicom/data/test_files"


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, target in (("CT_small.dcm", "CT_512.dcm"), ("MR_small.dcm", "MR_256.dcm")):
        ds = pydicom.dcmread(os.path.join(SOURCE, name))
        pixels = np.kron(ds.pixel_array, np.ones((4, 4), dtype=ds.pixel_array.dtype))
        ds.Rows, ds.Columns = pixels.shape
        ds.PixelData = pixels.tobytes()
        ds.save_as(os.path.join(out, target))
        print(f"{target}: {pixels.shape[0]}x{pixels.shape[1]} {pixels.dtype}")


if __name__ == "__main__":
    main()
