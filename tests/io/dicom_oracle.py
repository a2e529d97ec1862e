#!/opt/tessera/venv/bin/python
"""Independent oracle for tests/io/dicom_real_world_dcmtk_test.cpp: pydicom 3 with pylibjpeg
(-openjpeg, -libjpeg) and GDCM from the venv, which decode the syntaxes Debian's pydicom 2.3
cannot (tests/io/dicom_reference.py covers the rest).

    dicom_oracle.py OUT_DIR FILE...

For each FILE (numbered i from 0) writes:
  OUT_DIR/i.f32  modality values, raw little-endian float32, frames x rows x columns x channels:
                 ds.pixel_array (YBR as RGB, PALETTE COLOR through its LUTs), then the modality
                 transform PS3.3 prescribes: the Modality LUT Sequence (pydicom's
                 apply_modality_lut), else for enhanced multi-frame files the Pixel Value
                 Transformation of each frame's functional groups (per frame, then shared,
                 C.7.6.16), else Rescale Slope/Intercept.
  OUT_DIR/i.txt  "frames rows columns channels", or "error <type>: <message>".
  OUT_DIR/i.frames.txt  one line per frame for files with functional groups:
                 "slope intercept window_center window_width x y z", "nan" where absent.
"""
import sys
import warnings
from pathlib import Path

try:
    import numpy as np
    import pydicom
    from pydicom.pixels import apply_color_lut, apply_modality_lut
except ModuleNotFoundError as error:  # name the module, not a decode failure
    sys.exit(f"dicom_oracle.py: {sys.executable} cannot import '{error.name}' "
             "(tools/setup.sh installs it from tools/deps/venv.txt)")

warnings.simplefilter("ignore")


def first(item, keyword):
    """The first value of an attribute that may be multi-valued, as float; None when absent."""
    if item is None or keyword not in item:
        return None
    value = item[keyword].value
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        value = value[0]
    return float(value)


def functional(ds, frame, sequence):
    """The item of `sequence` for `frame`: per-frame groups first, then the shared ones."""
    for groups, index in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        if groups in ds and len(ds[groups].value) > index:
            item = ds[groups].value[index]
            if sequence in item and len(item[sequence].value) > 0:
                return item[sequence].value[0]
    return None


def frame_rows(ds, frames):
    rows = []
    for f in range(frames):
        pvt = functional(ds, f, "PixelValueTransformationSequence")
        voi = functional(ds, f, "FrameVOILUTSequence")
        pos = functional(ds, f, "PlanePositionSequence")
        xyz = [float(v) for v in pos.ImagePositionPatient] if pos is not None and "ImagePositionPatient" in pos else [None] * 3
        rows.append([first(pvt, "RescaleSlope"), first(pvt, "RescaleIntercept"), first(voi, "WindowCenter"),
                     first(voi, "WindowWidth")] + xyz)
    return rows


def values(ds):
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    photometric = ds.get("PhotometricInterpretation", "")
    if photometric == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
    arr = arr.reshape(frames, ds.Rows, ds.Columns, -1)
    groups = "SharedFunctionalGroupsSequence" in ds or "PerFrameFunctionalGroupsSequence" in ds
    if "ModalityLUTSequence" in ds:
        out = apply_modality_lut(arr, ds).astype(np.float64)
    elif groups:
        out = arr.astype(np.float64)
        for f, row in enumerate(frame_rows(ds, frames)):
            slope = 1.0 if row[0] is None else row[0]
            intercept = 0.0 if row[1] is None else row[1]
            out[f] = out[f] * slope + intercept
    else:
        out = apply_modality_lut(arr, ds).astype(np.float64)
    return out.astype(np.float32), (frame_rows(ds, frames) if groups else None)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(sys.argv[2:]):
        try:
            ds = pydicom.dcmread(name, force=True)
            if "TransferSyntaxUID" not in ds.file_meta:  # no File Meta header: read as DCMTK does
                ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
            result, rows = values(ds)
        except Exception as error:  # the C++ test prints it
            (out / f"{i}.txt").write_text(f"error {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}\n")
            continue
        result.tofile(out / f"{i}.f32")
        (out / f"{i}.txt").write_text(" ".join(str(d) for d in result.shape) + "\n")
        if rows is not None:
            (out / f"{i}.frames.txt").write_text(
                "\n".join(" ".join("nan" if v is None else repr(v) for v in row) for row in rows) + "\n")


if __name__ == "__main__":
    main()
