#!/opt/tessera/venv/bin/python
"""End-to-end GPU benchmark: JPEG files on disk -> resnet50 training, images/s, Tessera vs torchvision.

  python bench/e2e_gpu.py BUILD_DIR OUT_DIR [--images 2560] [--epochs 3] [--workers NPROC]
                          [--data DIR] [--variant pil|tensor] [--timeout 240] [--batch 128]
                          [--device cuda|cpu]

1. A class-folder dataset of --images JPEGs, every one 500x375, drawn by bench/make_jpeg_folder.py
   (--source synthetic: PIL + numpy only, the same files on every machine; --jobs NPROC).
2. `BUILD_DIR/tessera train bench/configs/e2e_resnet50.yaml` (resnet50, resize to 224x224, hflip,
   batch 128, bf16 autocast, channels_last, data.workers = NPROC, data.preprocess_device auto: decode
   on CPU threads into pinned packed u8, then one fused CUDA kernel per batch); images/s is the
   mean of train_images_per_second in the run's metrics.jsonl over the epochs after the first.
3. bench/e2e_torchvision.py on the same folder, card, batch and worker count (its docstring says
   exactly what it runs); the same epochs are averaged.
Writes OUT_DIR/e2e.json (both sides, the ratio, the target >= 1.5x) plus the two logs; the exit
status is non-zero when a side failed (a missed target is not a failure). Exits 3 without a GPU.
--device cpu (with a small --images and --batch) only smoke-tests this script on a CPU machine.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = 1.5


def run(cmd, log_path, timeout):
    """Runs cmd with its output in log_path; returns (exit status, seconds). 124 = timed out."""
    t0 = time.time()
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=ROOT).returncode
        except subprocess.TimeoutExpired:
            rc = 124
            log.write(f"\n(e2e_gpu.py: killed after {timeout} s)\n")
    return rc, time.time() - t0


def tail(path, n=15):
    try:
        with open(path) as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=2560)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--data", default="/tmp/tessera-bench/e2e-jpegs")
    ap.add_argument("--variant", default="pil", choices=["pil", "tensor"])
    ap.add_argument("--timeout", type=int, default=240, help="seconds per side")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = ap.parse_args()

    import torch  # after argparse, so --help works anywhere

    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        print("e2e_gpu: no CUDA device (torch.cuda.is_available() is False); nothing measured")
        sys.exit(3)
    os.makedirs(args.out, exist_ok=True)
    py = sys.executable
    tessera = os.path.join(os.path.abspath(args.build), "tessera")
    report = {"benchmark": "e2e", "card": torch.cuda.get_device_name(0) if cuda else "cpu", "images": args.images,
              "epochs": args.epochs, "workers": args.workers, "batch": args.batch, "image_size": "500x375",
              "target": TARGET, "errors": []}

    rc, secs = run([py, "bench/make_jpeg_folder.py", args.data, "--count", str(args.images), "--size", "500x375",
                    "--source", "synthetic", "--jobs", str(args.workers)], os.path.join(args.out, "e2e_data.log"), 300)
    print(f"e2e_gpu: dataset {args.data}: {'ok' if rc == 0 else f'FAILED ({rc})'} in {secs:.0f} s")
    if rc != 0:
        report["errors"].append(f"make_jpeg_folder.py exited {rc}")
        print(tail(os.path.join(args.out, "e2e_data.log")))
    else:
        models = os.path.join(os.path.dirname(os.path.abspath(args.data)), "e2e-models")
        shutil.rmtree(models, ignore_errors=True)
        log = os.path.join(args.out, "e2e_tessera.log")
        cmd = [tessera, "train", "bench/configs/e2e_resnet50.yaml", "--set", f"data.train={args.data}",
               "--set", f"data.workers={args.workers}", "--set", f"runtime.output_dir={models}",
               "--set", f"train.epochs={args.epochs}", "--set", f"data.batch_size={args.batch}",
               "--set", f"runtime.device={args.device}"]
        if not cuda:  # the smoke test: the peer runs fp32 on the CPU too
            cmd += ["--set", "runtime.precision=fp32", "--set", "runtime.memory_format=contiguous"]
        if not os.access(tessera, os.X_OK):
            rc, secs = 127, 0.0
            report["errors"].append(f"{tessera} missing: build the tessera target")
        else:
            rc, secs = run(cmd, log, args.timeout)
        side = {"command": " ".join(cmd), "exit": rc, "seconds": secs}
        metrics = sorted(glob.glob(os.path.join(models, "*", "metrics.jsonl")))
        if rc == 0 and metrics:
            with open(metrics[-1]) as f:
                epochs = [json.loads(line) for line in f if line.strip()]
            later = [e for e in epochs if e["epoch"] > 1] or epochs
            side["epochs"] = epochs
            side["measured_epochs"] = [e["epoch"] for e in later]
            side["images_per_s"] = sum(e["train_images_per_second"] for e in later) / len(later)
            shutil.copy(metrics[-1], os.path.join(args.out, "e2e_tessera_metrics.jsonl"))
        elif rc == 0:
            report["errors"].append("tessera train left no metrics.jsonl")
        else:
            report["errors"].append(f"tessera train exited {rc}" + (" (timed out)" if rc == 124 else ""))
        report["tessera"] = side
        print(f"e2e_gpu: tessera train: " + (f"{side['images_per_s']:.0f} img/s" if "images_per_s" in side
                                            else f"FAILED ({rc}); see {log}") + f" ({secs:.0f} s)")
        if "images_per_s" not in side:
            print(tail(log))

        log = os.path.join(args.out, "e2e_torchvision.log")
        peer_json = os.path.join(args.out, "e2e_torchvision.json")
        cmd = [py, "bench/e2e_torchvision.py", args.data, "--batch", str(args.batch), "--workers", str(args.workers),
               "--epochs", str(args.epochs), "--variant", args.variant, "--json", peer_json, "--device", args.device]
        rc, secs = run(cmd, log, args.timeout)
        peer = {"command": " ".join(cmd), "exit": rc, "seconds": secs}
        if rc == 0 and os.path.exists(peer_json):
            with open(peer_json) as f:
                peer.update(json.load(f))
        else:
            report["errors"].append(f"e2e_torchvision.py exited {rc}" + (" (timed out)" if rc == 124 else ""))
            print(tail(log))
        report["torchvision"] = peer
        print(f"e2e_gpu: torchvision: " + (f"{peer['images_per_s']:.0f} img/s" if "images_per_s" in peer
                                          else f"FAILED ({rc}); see {log}") + f" ({secs:.0f} s)")
        if "images_per_s" in side and "images_per_s" in peer:
            report["ratio"] = side["images_per_s"] / peer["images_per_s"]
            report["target_met"] = report["ratio"] >= TARGET
            print(f"e2e_gpu: Tessera / torchvision = {report['ratio']:.2f} (target >= {TARGET})")
    with open(os.path.join(args.out, "e2e.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    sys.exit(1 if report["errors"] else 0)


if __name__ == "__main__":
    main()
