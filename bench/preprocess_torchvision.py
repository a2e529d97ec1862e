#!/opt/tessera/venv/bin/python
"""Peer of bench_preprocess: the same preprocessing with torchvision.transforms.v2 on CUDA tensors.

  python bench/preprocess_torchvision.py [--batch 256] [--iters 20] [--warmup 5] [--rounds 5]
                                      [--json PATH] [--check DIR] [--device cuda|cpu] [--cases ...]

Same inputs as bench_preprocess (every sample the same size, random content, already on the GPU):
  preprocess_images_*  u8 [B, 375, 500, 3] -> permute to [B, 3, H, W] (a view) -> v2.Resize((224, 224),
               bilinear, antialias=False) -> v2.ToDtype(float32, scale=True) -> v2.Normalize(ImageNet)
               -> .contiguous() (preprocess_images_f32_nchw), .to(bfloat16, contiguous_format) (preprocess_images_bf16_nchw)
               or .contiguous(memory_format=channels_last) (preprocess_images_f32_nhwc, already so: free). torchvision resizes a
               uint8 tensor to uint8 (on CUDA: to float32, interpolate, round back; on the CPU a
               native uint8 kernel); we keep float, so the values differ by up to one grey level,
               1/255/std (~0.0175; about half that on CUDA): expected, and recorded by --check.
  preprocess_medical_f32  int16 [B, 512, 512] -> float32 * slope + intercept (1, -1024) -> v2.functional.resize
               to 224x224 (bilinear, antialias=False) -> linear window (centre 40, width 400: DICOM's
               (x - (c - 0.5)) / (w - 1) + 0.5, clipped to [0, 1]) -> (y - 0.5) / 0.25, with in-place
               torch ops.
All sources have the same size here, so the whole batch goes through each transform as one 4-D
tensor: the fastest way a user can write it (a per-sample loop over different sizes, what a
real dataset of mixed sizes needs, would only be slower). Timing: CUDA events around `iters`
back-to-back batches after `warmup`, `rounds` times, median round; the device copy bandwidth is
measured here too, as a cross-check of bench_preprocess' number.

--check DIR reads the inputs and outputs bench_preprocess --dump wrote, runs this pipeline on the
same inputs, and records the max abs difference per case (against ours), plus the difference of
ours from an exact reference (the same ops in float64 on the integer input, no uint8 rounding:
README's semantics; tolerance README's 1e-4, plus one bf16 step for bf16). With --device
cpu only the check runs (no timing): that works without a GPU against bench_preprocess --device cpu
--dump (the CPU reference), which checks this peer's semantics. Exit 4 when a check fails.

Without a CUDA device (and without --device cpu) it prints one line and exits 3.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

H, W, C = 375, 500, 3
MEDICAL = 512
OUT = 224
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CT = dict(slope=1.0, intercept=-1024.0, center=40.0, width=400.0, mean=0.5, std=0.25)
CASES = ["preprocess_images_f32_nchw", "preprocess_images_bf16_nchw", "preprocess_images_f32_nhwc", "preprocess_medical_f32"]

RESIZE = v2.Resize((OUT, OUT), interpolation=v2.InterpolationMode.BILINEAR, antialias=False)
TO_FLOAT = v2.ToDtype(torch.float32, scale=True)
NORMALIZE = v2.Normalize(MEAN, STD)


def image_pipeline(x_bhwc, case):
    x = x_bhwc.permute(0, 3, 1, 2)
    x = NORMALIZE(TO_FLOAT(RESIZE(x)))
    # The batch arrives as a permuted HWC view, i.e. channels_last strides, and every v2 op keeps
    # them: NHWC output is free, NCHW costs one layout pass (merged with the bf16 cast).
    if case == "preprocess_images_f32_nhwc":
        return x.contiguous(memory_format=torch.channels_last)
    if case == "preprocess_images_bf16_nchw":
        return x.to(torch.bfloat16, memory_format=torch.contiguous_format)
    return x.contiguous()


def medical_pipeline(x_bhw):
    x = x_bhw.unsqueeze(1).to(torch.float32).mul_(CT["slope"]).add_(CT["intercept"])
    x = F.resize(x, [OUT, OUT], interpolation=v2.InterpolationMode.BILINEAR, antialias=False)
    c, w = CT["center"], CT["width"]
    return x.sub_(c - 0.5).div_(w - 1).add_(0.5).clamp_(0, 1).sub_(CT["mean"]).div_(CT["std"])


def run_case(case, image, medical):
    return medical_pipeline(medical) if case == "preprocess_medical_f32" else image_pipeline(image, case)


def reference(case, image, medical):
    """The exact semantics in float64 (torch's float32 bilinear computes the source index in
    float, which alone is off by up to ~3e-5 of a pixel at x ~ 500: 1e-4..1e-3 in these units)."""
    if case == "preprocess_medical_f32":
        x = medical.unsqueeze(1).to(torch.float64) * CT["slope"] + CT["intercept"]
        x = torch.nn.functional.interpolate(x, size=(OUT, OUT), mode="bilinear", align_corners=False)
        c, w = CT["center"], CT["width"]
        return (((x - (c - 0.5)) / (w - 1) + 0.5).clamp(0, 1) - CT["mean"]) / CT["std"]
    x = image.permute(0, 3, 1, 2).to(torch.float64)
    x = torch.nn.functional.interpolate(x, size=(OUT, OUT), mode="bilinear", align_corners=False)
    mean = torch.tensor(MEAN, dtype=torch.float64, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float64, device=x.device).view(1, 3, 1, 1)
    return ((x / 255 - mean) / std).contiguous()


def time_calls(fn, warmup, iters, rounds):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    results = []
    for _ in range(rounds):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        t0 = time.perf_counter()
        start.record()
        for _ in range(iters):
            fn()
        stop.record()
        stop.synchronize()
        results.append((start.elapsed_time(stop) / iters, 1000 * (time.perf_counter() - t0) / iters))
    results.sort()
    return results[len(results) // 2]


def load(dump_dir, entry):
    dtype = {"uint8": np.uint8, "int16": np.int16, "float32": np.float32, "bfloat16": np.uint16}[entry["dtype"]]
    a = np.fromfile(os.path.join(dump_dir, entry["file"]), dtype=dtype).reshape(entry["shape"])
    if entry["dtype"] == "bfloat16":
        a = (a.astype(np.uint32) << 16).view(np.float32)
    return torch.from_numpy(a.copy())


def check(dump_dir, device, cases):
    with open(os.path.join(dump_dir, "dump.json")) as f:
        manifest = json.load(f)
    image = load(dump_dir, manifest["image_input"]).to(device)
    medical = load(dump_dir, manifest["medical_input"]).to(device)
    # What "same semantics" allows between the peer and us: torchvision rounds the resized uint8
    # image (one grey level, 1/255/std, covers its CPU and CUDA paths); for medical, torch's float32
    # source index (see reference()) moves values by well under one HU, 1/(w-1)/std here. A real
    # semantic difference (no half-pixel centres, another window formula) is far larger.
    peer_slack = {"preprocess_medical_f32": 1.0 / (CT["width"] - 1) / CT["std"]}
    one_grey_level = 1.0 / 255 / min(STD)
    results = {}
    for case in cases:
        if case not in manifest["outputs"]:
            continue
        entry = manifest["outputs"][case]
        ours = load(dump_dir, entry).to(device)
        peer = run_case(case, image, medical).float()
        ref = reference(case, image, medical).float()
        bf16 = entry["dtype"] == "bfloat16"
        # One bf16 step of the value's magnitude (ours and the reference round float values that
        # differ by ~1e-5, which can land on neighbouring bf16 numbers).
        slack = (ref.abs().max().item() * 2.0 ** -7) if bf16 else 0.0
        peer_diff = (peer - ours).abs().max().item()
        ref_diff = (ref - ours).abs().max().item()
        peer_tol = 1e-4 + slack + peer_slack.get(case, one_grey_level)
        results[case] = {
            "samples": manifest["batch"],
            "ours_from": manifest.get("device", "?"),
            "max_abs_diff_vs_peer": peer_diff,
            "peer_tolerance": peer_tol,
            "max_abs_diff_vs_float_reference": ref_diff,
            "reference_tolerance": 1e-4 + slack,
            "layout_ok": bool(entry.get("layout_ok", True)),
            "ok": bool(peer_diff <= peer_tol and ref_diff <= 1e-4 + slack and entry.get("layout_ok", True)),
        }
        r = results[case]
        print(f"  check {case:16s} vs peer {peer_diff:.2e} (tol {peer_tol:.1e}), vs float64 reference "
              f"{ref_diff:.2e} (tol {1e-4 + slack:.1e}), layout {'ok' if r['layout_ok'] else 'WRONG'}: "
              f"{'ok' if r['ok'] else 'MISMATCH'}")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--copy-mib", type=int, default=1024)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--json")
    ap.add_argument("--check", metavar="DIR", help="compare with bench_preprocess --dump DIR")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = ap.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    unknown = set(cases) - set(CASES)
    if unknown:
        sys.exit(f"preprocess_torchvision: unknown case(s) {sorted(unknown)}")

    report = {"benchmark": "kernels", "side": "torchvision", "torch": torch.__version__,
              "torchvision": torchvision.__version__, "batch": args.batch, "iters": args.iters,
              "rounds": args.rounds, "warmup": args.warmup, "cases": {},
              "batching": "one 4-D tensor per transform (all sources the same size)"}
    if args.device == "cpu":
        if not args.check:
            sys.exit("preprocess_torchvision: --device cpu only runs --check (there is nothing to time)")
        report["check"] = check(args.check, torch.device("cpu"), cases)
    else:
        if not torch.cuda.is_available():
            print("preprocess_torchvision: no CUDA device (torch.cuda.is_available() is False); nothing measured")
            sys.exit(3)
        dev = torch.device("cuda")
        report["card"] = torch.cuda.get_device_name(dev)
        print(f"preprocess_torchvision: {report['card']}, batch {args.batch}, {args.iters} batches x {args.rounds} "
              f"rounds after {args.warmup} warm-up; torch {torch.__version__}, torchvision {torchvision.__version__}")
        src = torch.randint(0, 256, ((args.copy_mib << 20),), dtype=torch.uint8, device=dev)
        dst = torch.empty_like(src)
        ms, _ = time_calls(lambda: dst.copy_(src), 3, max(5, args.iters // 2), args.rounds)
        report["copy"] = {"mib": args.copy_mib, "ms": ms, "gb_per_s": 2 * src.numel() / (ms * 1e6)}
        print(f"  device copy: {args.copy_mib} MiB in {ms:.3f} ms = {report['copy']['gb_per_s']:.0f} GB/s")
        del src, dst
        g = torch.Generator(device=dev).manual_seed(0)
        image = torch.randint(0, 256, (args.batch, H, W, C), dtype=torch.uint8, device=dev, generator=g)
        medical = torch.randint(0, 3072, (args.batch, MEDICAL, MEDICAL), dtype=torch.int16, device=dev, generator=g)
        print(f"\n  {'case':16s} {'images/s':>10s} {'ms/batch':>9s} {'wall ms':>9s}")
        for case in cases:
            ms, wall = time_calls(lambda: run_case(case, image, medical), args.warmup, args.iters, args.rounds)
            out = run_case(case, image, medical)
            report["cases"][case] = {"images_per_s": args.batch / (ms / 1000), "ms_per_batch": ms,
                                     "wall_ms_per_batch": wall, "output_dtype": str(out.dtype).replace("torch.", ""),
                                     "output_shape": list(out.shape),
                                     "output_channels_last": out.is_contiguous(memory_format=torch.channels_last)}
            print(f"  {case:16s} {args.batch / (ms / 1000):10.0f} {ms:9.3f} {wall:9.3f}")
        if args.check:
            print()
            report["check"] = check(args.check, dev, cases)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        print(f"  wrote {args.json}")
    if "check" in report and not all(r["ok"] for r in report["check"].values()):
        print("preprocess_torchvision: outputs differ beyond the stated tolerances (see above)")
        sys.exit(4)


if __name__ == "__main__":
    main()
