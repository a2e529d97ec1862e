#!/opt/tessera/venv/bin/python
"""Builds the DICOM cases of issue 19 that real files stand for, with pydicom 3 (the venv):

    dicom_cases.py OUT_DIR

Writes OUT_DIR/<case>.dcm for each case below and OUT_DIR/cases.txt, one line per case:
"<case> ok" when a decoder must give the oracle's values, "<case> error <words>" when it must
refuse the file with a message containing <words>, "<case> twin <other>" when it must give
exactly <other>'s values because the oracle is wrong on it (the reason is beside the case). Pixel values come from a fixed seed, so every
run writes the same files.
"""
import sys
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended, get_frame
from pydicom.sequence import Sequence
from pydicom.uid import (ExplicitVRBigEndian, ExplicitVRLittleEndian, JPEG2000, JPEG2000Lossless, JPEGBaseline8Bit,
                         RLELossless, generate_uid, SecondaryCaptureImageStorage)
from io import BytesIO
from PIL import Image

rng = np.random.default_rng(19)
# Patient data planted in every case (tests/io/dicom_real_world_dcmtk_test.cpp lists the same).
PHI = {"PatientName": "Doe^Jane^Tessera19", "PatientID": "PHI-ID-0019", "InstitutionName": "Tessera PHI Hospital",
       "StudyDate": "19990219", "AccessionNumber": "ACC-PHI-19"}
FRAME_PHI = {"FrameAcquisitionDateTime": "19990219101010", "FrameComments": "Doe^Jane^Tessera19 frame"}
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
lines = []


def base(rows, columns, frames=1, bits=16, stored=None, signed=False, spp=1, photometric="MONOCHROME2",
         syntax=ExplicitVRLittleEndian):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["tessera", str(len(lines))])
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    for keyword, value in PHI.items():  # must never reach metadata, messages or inspect
        setattr(ds, keyword, value)
    ds.Modality = "OT"
    ds.Rows, ds.Columns = rows, columns
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric
    if spp == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = bits
    ds.BitsStored = stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    return ds


def image(shape, lo, hi, dtype):
    """A smooth ramp plus noise, so RLE has both runs and literals."""
    ramp = np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)
    noise = rng.integers(-3, 4, size=shape)
    noise[..., : shape[-1] // 3] = 0  # long runs on the left
    return np.clip(ramp + noise, lo, hi).astype(dtype)


def save(name, ds, expect="ok"):
    little = ds.file_meta.TransferSyntaxUID != ExplicitVRBigEndian
    ds.save_as(out / f"{name}.dcm", enforce_file_format=True, little_endian=little, implicit_vr=False)
    lines.append(f"{name} {expect}")


def native(name, ds, arr):
    ds.PixelData = arr.tobytes()
    save(name, ds)


def rle(name, ds, arr, fragments_per_frame, bot, expect="ok"):
    """RLE Lossless with each frame split over `fragments_per_frame` fragments."""
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PixelData = arr.tobytes()
    ds.compress(RLELossless, encoding_plugin="pydicom")
    frames = int(ds.get("NumberOfFrames", 1))
    encoded = [get_frame(ds.PixelData, i, number_of_frames=frames) for i in range(frames)]
    ds.PixelData = encapsulate(encoded, fragments_per_frame=fragments_per_frame, has_bot=bot)
    save(name, ds, expect)


# 1. RLE frames split over several fragments (a CT slice, signed 16-bit; RGB; several frames).
ct = image((64, 48), -1024, 1500, np.int16)
native("rle_ct_native", base(64, 48, signed=True), ct)
rle("rle_ct_3_fragments", base(64, 48, signed=True), ct, 3, bot=False)
rle("rle_ct_3_fragments_bot", base(64, 48, signed=True), ct, 3, bot=True)
rgb = image((40, 30, 3), 0, 255, np.uint8)
rle("rle_rgb_2_fragments", base(40, 30, bits=8, spp=3, photometric="RGB"), rgb, 2, bot=False)
frames = image((3, 32, 20), 0, 4095, np.uint16)
rle("rle_3_frames_2_fragments_bot", base(32, 20, frames=3, stored=12), frames, 2, bot=True)
rle("rle_3_frames_1_fragment", base(32, 20, frames=3, stored=12), frames, 1, bot=False)
rle("rle_3_frames_2_fragments_no_bot", base(32, 20, frames=3, stored=12), frames, 2, bot=False,
    expect="error no Basic Offset Table")
# The Extended Offset Table (large files) in place of the basic one; PS3.3 C.7.6.3.1.8 allows it
# with one fragment per frame only.
ds = base(32, 20, frames=3, stored=12)
ds.PixelData = frames.tobytes()
ds.compress(RLELossless, encoding_plugin="pydicom")
ds.PixelData, ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths = encapsulate_extended(
    [get_frame(ds.PixelData, i, number_of_frames=3) for i in range(3)])
save("rle_3_frames_extended_offset_table", ds)

# 5. JPEG 2000, lossless and lossy (pylibjpeg-openjpeg encodes; HTJ2K comes from a real file).
def j2k(name, ds, arr, syntax, label=None, **kwargs):
    """`label`: the Photometric Interpretation PS3.5 A.4.4 asks for when the stream's colour
    transform is on (pydicom keeps RGB, which many real files say too)."""
    ds.PixelData = arr.tobytes()
    ds.compress(syntax, encoding_plugin="pylibjpeg", **kwargs)
    if label:
        ds.PhotometricInterpretation = label
    save(name, ds)

j2k("j2k_ct_signed_lossless", base(64, 48, signed=True), ct, JPEG2000Lossless)
j2k("j2k_3_frames_lossless", base(64, 64, frames=3, stored=12), image((3, 64, 64), 0, 4095, np.uint16), JPEG2000Lossless)
rgb64 = image((64, 80, 3), 0, 255, np.uint8)
j2k("j2k_rgb_lossless_labelled_rgb", base(64, 80, bits=8, spp=3, photometric="RGB"), rgb64, JPEG2000Lossless)
j2k("j2k_rgb_lossless_rct", base(64, 80, bits=8, spp=3, photometric="RGB"), rgb64, JPEG2000Lossless, label="YBR_RCT")
j2k("j2k_rgb_lossy_ict", base(64, 80, bits=8, spp=3, photometric="RGB"), rgb64, JPEG2000, label="YBR_ICT", j2k_cr=[20])
j2k("j2k_mono_lossy", base(64, 48, signed=True), ct, JPEG2000, j2k_cr=[10])

# 6. PALETTE COLOR: 8- and 16-bit entries (8-bit ones packed two to a word), big-endian files,
# several frames, 16-bit indices with a first mapped value above 0.
def palette(name, ds, arr, entries, first, bits, syntax=ExplicitVRLittleEndian, expect="ok"):
    ds.file_meta.TransferSyntaxUID = syntax
    ramp = np.arange(entries)
    for c, (tag_descriptor, tag_data) in enumerate(((0x00281101, 0x00281201), (0x00281102, 0x00281202),
                                                    (0x00281103, 0x00281203))):
        top = 255 if bits == 8 else 65535
        lut = ((ramp * (c + 1) * 37 + 11 * c) % (top + 1)).astype(np.uint8 if bits == 8 else np.uint16)
        ds.add_new(tag_descriptor, "US", [entries % 65536, first, bits])
        big = syntax == ExplicitVRBigEndian
        data = lut.tobytes() if bits == 8 else lut.astype(">u2" if big else "<u2").tobytes()
        if len(data) % 2:
            data += b"\0"
        ds.add_new(tag_data, "OW", data)
    big = syntax == ExplicitVRBigEndian
    ds.PixelData = arr.astype(arr.dtype.newbyteorder(">" if big else "<")).tobytes()
    save(name, ds, expect)

indices8 = image((2, 24, 32), 0, 255, np.uint8)
palette("palette_8_bit_entries", base(24, 32, bits=8, photometric="PALETTE COLOR"), indices8[0], 256, 0, 8)
palette("palette_16_bit_entries", base(24, 32, bits=8, photometric="PALETTE COLOR"), indices8[0], 256, 0, 16)
palette("palette_big_endian_8_bit", base(24, 32, bits=8, photometric="PALETTE COLOR", syntax=ExplicitVRBigEndian),
        indices8[0], 256, 0, 8, syntax=ExplicitVRBigEndian)
# pydicom 3.0.2's apply_color_lut reads 16-bit OW LUT Data of a big-endian file without swapping
# it (an entry of 11 comes out as 2816). PS3.5 7.3 orders OW words by the transfer syntax, so the
# right values are the little-endian twin's, which pydicom reads correctly.
palette("palette_big_endian_16_bit", base(24, 32, bits=8, photometric="PALETTE COLOR", syntax=ExplicitVRBigEndian),
        indices8[0], 256, 0, 16, syntax=ExplicitVRBigEndian, expect="twin palette_16_bit_entries")
palette("palette_2_frames", base(24, 32, frames=2, bits=8, photometric="PALETTE COLOR"), indices8, 256, 0, 8)
palette("palette_16_bit_indices", base(24, 32, bits=16, photometric="PALETTE COLOR"),
        image((24, 32), 0, 3000, np.uint16), 2000, 500, 16)  # below 500 and past 2499: clipped

# 2. Colour JPEG whose markers and label disagree: a JFIF (YCbCr) stream labelled RGB, and an
# Adobe APP14 transform-0 (RGB) stream labelled YBR_FULL_422. Pillow writes the streams.
def jpeg(name, label, **save_options):
    buffer = BytesIO()
    Image.fromarray(rgb64).save(buffer, "JPEG", quality=95, subsampling=0, **save_options)
    ds = base(64, 80, bits=8, spp=3, photometric=label, syntax=JPEGBaseline8Bit)
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.LossyImageCompression = "01"
    save(name, ds)

jpeg("jpeg_jfif_labelled_rgb", "RGB")
jpeg("jpeg_jfif_labelled_ybr", "YBR_FULL")
jpeg("jpeg_adobe_rgb_labelled_ybr_422", "YBR_FULL_422", keep_rgb=True)
jpeg("jpeg_adobe_rgb_labelled_rgb", "RGB", keep_rgb=True)

# 3. Modality LUT Sequence instead of Rescale Slope/Intercept.
def with_modality_lut(ds, entries, first, bits, data, vr_first="US"):
    item = Dataset()
    item.add_new(0x00283002, "US" if vr_first == "US" else "SS", [entries, first, bits])
    item.add_new(0x00283006, "US" if bits == 16 else "OW", data)
    item.ModalityLUTType = "US"
    ds.ModalityLUTSequence = Sequence([item])
    return ds

signed12 = image((24, 32), -2048, 2047, np.int16)
lut16 = np.round(2000 * np.sqrt(np.arange(4096) / 4095.0)).astype(np.uint16)  # non-linear: not a rescale
ds = with_modality_lut(base(24, 32, stored=12, signed=True), 4096, -2048, 16, lut16.tolist(), vr_first="SS")
native("mlut_signed_12_bit", ds, signed12)
native("mlut_signed_12_bit_applied", base(24, 32), lut16[signed12.astype(np.int32) + 2048])  # its LUT's outputs
unsigned10 = image((24, 32), 0, 1023, np.uint16)
lut8 = np.clip(np.arange(600) // 2, 0, 255).astype(np.uint16)  # 8-bit entries; values < 100 and >= 700 clip
ds = with_modality_lut(base(24, 32, stored=10), 600, 100, 8, lut8.astype("<u2").tobytes())
native("mlut_8_bit_entries_clipped", ds, unsigned10)

# 7. Float and Double Float Pixel Data (parametric maps).
def float_case(name, dtype, tag, vr):
    ds = base(16, 20, bits=dtype().itemsize * 8)
    del ds.BitsStored, ds.HighBit, ds.PixelRepresentation
    arr = (rng.standard_normal((16, 20)) * 1e3).astype(dtype)
    arr[0, 0], arr[0, 1] = 1e-7, -3.25
    ds.add_new(tag, vr, arr.tobytes())
    save(name, ds)

float_case("float_pixel_data", np.float32, 0x7FE00008, "OF")
float_case("double_float_pixel_data", np.float64, 0x7FE00009, "OD")

# 4. Enhanced multi-frame: rescale, windows, spacing and positions in the functional groups.
def group(**sequences):
    sequences.setdefault("FrameContentSequence", FRAME_PHI)
    item = Dataset()
    for keyword, attrs in sequences.items():
        inner = Dataset()
        for k, v in attrs.items():
            setattr(inner, k, v)
        setattr(item, keyword, Sequence([inner]))
    return item

ds = base(16, 24, frames=3, stored=12)
ds.SharedFunctionalGroupsSequence = Sequence([group(
    PixelValueTransformationSequence={"RescaleSlope": "1", "RescaleIntercept": "-1024", "RescaleType": "HU"},
    PixelMeasuresSequence={"PixelSpacing": [0.5, 0.75], "SliceThickness": "2"},
    PlaneOrientationSequence={"ImageOrientationPatient": [1, 0, 0, 0, 1, 0]})])
ds.PerFrameFunctionalGroupsSequence = Sequence([group(
    PlanePositionSequence={"ImagePositionPatient": [-10, -20, 30 - 2 * f]},
    FrameVOILUTSequence={"WindowCenter": 40 + f, "WindowWidth": 400}) for f in range(3)])
native("enhanced_ct_shared_rescale", ds, image((3, 16, 24), 0, 4095, np.uint16))

# A single-frame enhanced CT (what a dataset takes) and its classic twin with top-level rescale.
ct1 = image((16, 24), 0, 4095, np.uint16)
ds = base(16, 24, stored=12)
ds.SharedFunctionalGroupsSequence = Sequence([group(
    PixelValueTransformationSequence={"RescaleSlope": "1", "RescaleIntercept": "-1024", "RescaleType": "HU"})])
ds.PerFrameFunctionalGroupsSequence = Sequence([group(PlanePositionSequence={"ImagePositionPatient": [0, 0, 0]})])
native("enhanced_ct_1_frame", ds, ct1)
ds = base(16, 24, stored=12)
ds.RescaleSlope, ds.RescaleIntercept = "1", "-1024"
native("enhanced_ct_1_frame_classic_twin", ds, ct1)

ds = base(16, 24, frames=3)
ds.SharedFunctionalGroupsSequence = Sequence([group(PixelMeasuresSequence={"PixelSpacing": [1.0, 1.0]})])
ds.PerFrameFunctionalGroupsSequence = Sequence([group(
    PixelValueTransformationSequence={"RescaleSlope": str(0.25 * (f + 1)), "RescaleIntercept": str(-5 * f)},
    PlanePositionSequence={"ImagePositionPatient": [0, 0, 4.5 * f]}) for f in range(3)])
native("enhanced_mr_per_frame_slope", ds, image((3, 16, 24), 0, 60000, np.uint16))

# 8. Old ultrasound files end a sequence item with a sequence delimiter (FFFE,E0DD) where an item
# delimiter (FFFE,E00D) belongs. pydicom 3 refuses such a file ("No tag to read"); GDCM reads it,
# and so must we (with a warning): the right values are those of the same file written correctly.
ds = base(8, 12, bits=8)
ds.Modality = "US"
region = Dataset()
region.RegionSpatialFormat = 1
region.RegionDataType = 1
ds.SequenceOfUltrasoundRegions = Sequence([region])
ds["SequenceOfUltrasoundRegions"].is_undefined_length = True
ds.SequenceOfUltrasoundRegions[0].is_undefined_length_sequence_item = True
native("delimitation_correct", ds, image((8, 12), 0, 255, np.uint8))
good = (out / "delimitation_correct.dcm").read_bytes()
item_delimiter, sequence_delimiter = bytes.fromhex("feff0de000000000"), bytes.fromhex("feffdde000000000")
assert good.count(item_delimiter) == 1
(out / "delimitation_wrong_item.dcm").write_bytes(good.replace(item_delimiter, sequence_delimiter))
lines.append("delimitation_wrong_item twin delimitation_correct")

(out / "cases.txt").write_text("\n".join(lines) + "\n")
