#!/usr/bin/python3
"""Independent oracle for tests/io/dicom_dcmtk_test.cpp: pydicom's view of DICOM files.

    /usr/bin/python3 tests/io/dicom_reference.py OUT_DIR FILE...

For each FILE (numbered i from 0) writes OUT_DIR/i.f32, the modality values as raw little-endian
float32 in frames x rows x columns x channels order: pydicom's ds.pixel_array, YBR converted to RGB
(convert_color_space), then apply_modality_lut. When the file has a window (and is monochrome) it
also writes OUT_DIR/i.voi.f32: apply_voi_lut of those values, mapped to [0, 1] from pydicom's
output range. OUT_DIR/i.txt holds "frames rows columns channels has_window", or "error <type>" when
pydicom cannot decode the file, or "missing <handler> needs <module> (<Debian package>)" when a
pydicom pixel handler that would decode the file's transfer syntax cannot import what it needs
(pydicom imports its decoders lazily, so a missing Pillow shows only here, not at start-up).
Uses Debian's python3-pydicom (2.3) and numpy; files without a File Meta header are read with
force=True as DCMTK reads them.
"""
import sys
import warnings

try:
    import numpy as np
    import pydicom
    import pydicom.config
    from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut, convert_color_space
except ModuleNotFoundError as error:  # name the module, not a decode failure
    sys.exit(f"dicom_reference.py: {sys.executable} cannot import '{error.name}' "
             f"(Debian's python3-{error.name.lower()}; tools/setup.sh installs it from tools/deps/debian.txt)")

warnings.simplefilter("ignore")


def output_range(ds):
    """apply_windowing's y_min, y_max (pydicom 2.3, util.py)."""
    if ds.PixelRepresentation == 0:
        y_min, y_max = 0, 2 ** ds.BitsStored - 1
    else:
        y_min, y_max = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        y_min = y_min * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        y_max = y_max * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    return y_min, y_max


# Python module -> the Debian package that provides it, for the message.
DEBIAN_PACKAGE = {"PIL": "python3-pil", "gdcm": "python3-gdcm", "numpy": "python3-numpy"}


def missing_handler(ds):
    """'<handler> needs <module> (<package>)' when no available pydicom handler supports the file's
    transfer syntax but an unavailable one does; None when the failure is the file's own."""
    syntax = ds.file_meta.get("TransferSyntaxUID")
    handlers = [h for h in pydicom.config.pixel_data_handlers if h.supports_transfer_syntax(syntax)]
    if not handlers or any(h.is_available() for h in handlers):
        return None
    reasons = []
    for handler in handlers:
        absent = [m for m in getattr(handler, "DEPENDENCIES", {}) if not importable(m)]
        needs = ", ".join(f"{m} ({DEBIAN_PACKAGE.get(m, 'not packaged')})" for m in absent)
        reasons.append(f"{handler.HANDLER_NAME} needs {needs or 'its decoder plugins'}")
    return "; or ".join(reasons)


def importable(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def dump(index, path, out):
    ds = None
    try:
        ds = pydicom.dcmread(path, force=True)
        if "TransferSyntaxUID" not in ds.file_meta:  # legacy file: the encoding pydicom detected
            uid = pydicom.uid
            ds.file_meta.TransferSyntaxUID = (uid.ImplicitVRLittleEndian if ds.is_implicit_VR else
                                              uid.ExplicitVRLittleEndian if ds.is_little_endian else
                                              uid.ExplicitVRBigEndian)
        arr = ds.pixel_array
    except Exception as error:  # the C++ side checks that it fails too
        missing = missing_handler(ds) if ds is not None else None
        reason = f"missing {missing}" if missing else f"error {type(error).__name__}: {' '.join(str(error).split())}"
        with open(f"{out}/{index}.txt", "w") as f:
            f.write(reason + "\n")
        return
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    channels = int(ds.SamplesPerPixel)
    rows, cols = int(ds.Rows), int(ds.Columns)
    if str(ds.PhotometricInterpretation).startswith("YBR") and not getattr(ds, "_pixel_array_rgb", False):
        arr = convert_color_space(arr, "YBR_FULL", "RGB")
    values = apply_modality_lut(arr, ds).astype(np.float32)
    values.reshape(frames, rows, cols, channels).astype("<f4").tofile(f"{out}/{index}.f32")
    has_window = channels == 1 and "WindowCenter" in ds and "WindowWidth" in ds
    if has_window:
        y_min, y_max = output_range(ds)
        voi = (apply_voi_lut(apply_modality_lut(arr, ds), ds).astype(np.float64) - y_min) / (y_max - y_min)
        voi.astype("<f4").tofile(f"{out}/{index}.voi.f32")
    with open(f"{out}/{index}.txt", "w") as f:
        f.write(f"{frames} {rows} {cols} {channels} {int(has_window)}\n")


def main():
    out = sys.argv[1]
    for index, path in enumerate(sys.argv[2:]):
        dump(index, path, out)


if __name__ == "__main__":
    main()
