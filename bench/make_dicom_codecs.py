#!/opt/tessera/venv/bin/python
"""Clinical-size files for bench/run_dicom_codecs.sh (pydicom 3 + pylibjpeg-openjpeg, the venv):
a 512x512 signed CT as JPEG 2000 lossless (ct_512_j2k.dcm) and as RLE with each frame split over
4 fragments (ct_512_rle4.dcm), and a 640x480 8-bit PALETTE COLOR ultrasound-like frame with
16-bit LUT entries (us_640_palette.dcm). Smooth anatomy-like content plus noise, fixed seed.

    make_dicom_codecs.py OUT_DIR
"""
import sys
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, get_frame
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, RLELossless, SecondaryCaptureImageStorage, generate_uid

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)


def base(rows, columns, bits, signed, photometric):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, columns, 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    return ds


y, x = np.mgrid[-1:1:512j, -1:1:512j]
body = np.where(x ** 2 + (y / 0.8) ** 2 < 0.8, 40.0, -1000.0) + np.where(x ** 2 + y ** 2 < 0.05, 900.0, 0.0)
ct = (body + rng.normal(0, 12, body.shape)).astype(np.int16)
ds = base(512, 512, 16, True, "MONOCHROME2")
ds.RescaleSlope, ds.RescaleIntercept = 1, 0
ds.PixelData = ct.tobytes()
ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
ds.save_as(out / "ct_512_j2k.dcm", enforce_file_format=True)

ds = base(512, 512, 16, True, "MONOCHROME2")
ds.RescaleSlope, ds.RescaleIntercept = 1, 0
ds.PixelData = ct.tobytes()
ds.compress(RLELossless, encoding_plugin="pydicom")
ds.PixelData = encapsulate([get_frame(ds.PixelData, 0, number_of_frames=1)], fragments_per_frame=4, has_bot=False)
ds.save_as(out / "ct_512_rle4.dcm", enforce_file_format=True)

yy, xx = np.mgrid[0:480, 0:640]
us = ((np.sin(xx / 23.0) * np.cos(yy / 17.0) + 1) * 100 + rng.integers(0, 50, (480, 640))).astype(np.uint8)
ds = base(480, 640, 8, False, "PALETTE COLOR")
ds.Modality = "US"
for c, (d, t) in enumerate(((0x00281101, 0x00281201), (0x00281102, 0x00281202), (0x00281103, 0x00281203))):
    ds.add_new(d, "US", [256, 0, 16])
    ds.add_new(t, "OW", (np.arange(256, dtype="<u2") * (80 + 60 * c)).tobytes())
ds.PixelData = us.tobytes()
ds.save_as(out / "us_640_palette.dcm", enforce_file_format=True)
print("make_dicom_codecs.py: ct_512_j2k.dcm ct_512_rle4.dcm us_640_palette.dcm")
