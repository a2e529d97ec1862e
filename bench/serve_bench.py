#!/opt/tessera/venv/bin/python
"""(i) Serving: `tessera serve` against FastAPI + uvicorn + PyTorch (bench/serve_fastapi.py), the
same simple_cnn weights and the same PNG bytes, loaded by `hey` (Debian) in one run.

  bench/serve_bench.py [--build build] [--run models/digits] [--seconds 10] [--server-cores 0]
                       [--client-cores 1] [--image PNG]

Server and client are pinned to separate cores (taskset); each server gets as many torch
threads as it has cores. Before timing, both answer the same image and must agree (the largest
probability within 1e-4). Measured, for each server:
  - throughput at concurrency 8 (target: tessera >= 1.5x the peer);
  - p50 at concurrency 1, and the serving overhead: p50 minus the in-process time of the same
    work in PyTorch (decode, normalise, forward, softmax on one image; median of 300) (target:
    <= 0.5 ms for tessera);
  - p50 and p99 at 70% of its own peak throughput, concurrency 8, rate-limited (target: p99 <=
    2x p50).
tessera serve runs with serve.max_queue_delay_ms=0 at concurrency 1 (nothing to wait for) and
its default (2 ms) otherwise. Prints a Markdown table.
"""
import argparse
import io
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def tessera_body(image):
    """Triton's binary-data extension: a JSON header, then the BYTES element (4-byte length + bytes)."""
    element = struct.pack("<I", len(image)) + image
    header = json.dumps({"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                     "parameters": {"binary_data_size": len(element)}}],
                         "outputs": [{"name": "label"}, {"name": "probabilities"}]}).encode()
    return header + element, len(header)


def cpu_list(text):
    """taskset's list ("0", "0-3", "0,2-5") as a set of core numbers."""
    cores = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cores.update(range(int(lo), int(hi or lo) + 1))
    return cores


def wait_ready(url, seconds=120):
    end = time.time() + seconds
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"serve_bench: {url} not ready after {seconds} s")


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.read()


def hey(cores, url, body_file, seconds, concurrency, headers, rate=None):
    """Runs hey; returns (requests/s, p50 ms, p99 ms, non-200 count)."""
    command = ["taskset", "-c", cores, "hey", "-z", f"{seconds}s", "-c", str(concurrency), "-m", "POST",
               "-D", body_file, "-T", "application/octet-stream"]
    for k, v in headers.items():
        command += ["-H", f"{k}: {v}"]
    if rate:
        command += ["-q", str(rate)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"50% in ([\d.]+) secs", out).group(1)) * 1000
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1000
    ok = sum(int(n) for n in re.findall(r"\[200\]\s+(\d+) responses", out))
    total = sum(int(n) for n in re.findall(r"\[\d+\]\s+(\d+) responses", out))
    return rps, p50, p99, total - ok


def in_process_ms(run, image, threads, cores):
    """Median time of the peer's own work on one image, in this process (no HTTP), on `cores`."""
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        return in_process_median(run, image, threads)
    finally:
        os.sched_setaffinity(0, previous)


def in_process_median(run, image, threads):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import numpy as np
    import torch
    from PIL import Image
    from safetensors.torch import load_file
    from serve_fastapi import simple_cnn
    torch.set_num_threads(threads)
    weights = load_file(os.path.join(run, "weights.safetensors"))
    model = simple_cnn(weights["fc.weight"].shape[0], weights["features.0.weight"].shape[0])
    model.load_state_dict(weights)
    model.eval()
    times = []
    for i in range(350):
        start = time.perf_counter()
        grey = np.asarray(Image.open(io.BytesIO(image)).convert("L"), dtype=np.float32)
        x = torch.from_numpy(grey).div_(255).sub_(0.5).div_(0.5)[None, None]
        with torch.inference_mode():
            torch.softmax(model.fc(model.features(x).mean((2, 3))), 1)
        if i >= 50:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Server:
    def __init__(self, command, ready_url):
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_ready(ready_url)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--run", default=os.path.join(ROOT, "models", "digits"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--server-cores", default="0")
    parser.add_argument("--client-cores", default="1")
    parser.add_argument("--image", default=None)
    args = parser.parse_args()
    threads = len(cpu_list(args.server_cores))
    image_path = args.image
    if not image_path:
        test = os.path.join(ROOT, "data", "digits", "test")
        image_path = sorted(os.path.join(d, f) for d, _, fs in os.walk(test) for f in fs if f.endswith(".png"))[0]
    image = open(image_path, "rb").read()
    body, header_length = tessera_body(image)
    work = os.path.join("/tmp", f"tessera-serve-bench-{os.getpid()}")
    os.makedirs(work, exist_ok=True)
    open(os.path.join(work, "tessera.bin"), "wb").write(body)
    open(os.path.join(work, "image.png"), "wb").write(image)
    model = os.path.basename(os.path.normpath(args.run))
    t_url = f"http://127.0.0.1:18411/v2/models/{model}/infer"
    t_headers = {"Inference-Header-Content-Length": str(header_length)}
    f_url = "http://127.0.0.1:18412/predict"

    def tessera(delay_ms):
        return Server(["taskset", "-c", args.server_cores, os.path.join(args.build, "tessera"), "serve", args.run,
                       "--port", "18411", "--device", "cpu", "--set", f"runtime.threads={threads}",
                       "--set", f"serve.max_queue_delay_ms={delay_ms}"],
                      f"http://127.0.0.1:18411/v2/models/{model}/ready")

    # The in-process time before the servers start and after they stop; the lower one counts (the
    # host's noise moved it by up to 40% between runs, and a high one would flatter the overhead).
    forward_before = in_process_ms(args.run, image, threads, cpu_list(args.server_cores))
    peer = Server(["taskset", "-c", args.server_cores, PY, os.path.join(ROOT, "bench", "serve_fastapi.py"), args.run,
                   "18412", "--threads", str(threads)], "http://127.0.0.1:18412/ready")
    ours = tessera(0)
    # Agreement first: the same image, the same answer.
    answer = json.loads(post(f_url, image, {}))
    outputs = json.loads(post(t_url, body, t_headers))["outputs"]  # JSON outputs: none asked as binary
    probabilities = next(o for o in outputs if o["name"] == "probabilities")["data"]
    if abs(max(probabilities) - max(answer["probabilities"])) > 1e-4:
        sys.exit(f"serve_bench: the servers disagree: {max(probabilities)} vs {max(answer['probabilities'])}")

    rows = {}
    files = {"tessera": os.path.join(work, "tessera.bin"), "fastapi": os.path.join(work, "image.png")}
    urls = {"tessera": (t_url, t_headers), "fastapi": (f_url, {})}

    def measure(name, **kw):
        url, headers = urls[name]
        return hey(args.client_cores, url, files[name], args.seconds, headers=headers, **kw)

    rows["c1"] = {n: measure(n, concurrency=1) for n in ("tessera", "fastapi")}
    ours.stop()
    ours = tessera(2.0)
    rows["c8"] = {n: measure(n, concurrency=8) for n in ("tessera", "fastapi")}
    rows["70"] = {}
    for n in ("tessera", "fastapi"):
        rate = max(1, int(0.7 * rows["c8"][n][0] / 8))  # per client worker
        rows["70"][n] = measure(n, concurrency=8, rate=rate)
    ours.stop()
    peer.stop()
    forward = min(forward_before, in_process_ms(args.run, image, threads, cpu_list(args.server_cores)))

    failures = sum(r[3] for scenario in rows.values() for r in scenario.values())
    ratio = rows["c8"]["tessera"][0] / rows["c8"]["fastapi"][0]
    print(f"### Serving: tessera serve vs FastAPI + uvicorn + PyTorch ({model}, {threads} server core(s), "
          f"client on core(s) {args.client_cores}, {args.seconds} s per point)")
    print()
    print("| | tessera serve | FastAPI peer | target |")
    print("|---|---|---|---|")
    print(f"| throughput, concurrency 8 (req/s) | {rows['c8']['tessera'][0]:.0f} | {rows['c8']['fastapi'][0]:.0f} | "
          f"ours >= 1.5x: **{ratio:.2f}x** |")
    print(f"| p50, concurrency 1 (ms) | {rows['c1']['tessera'][1]:.2f} | {rows['c1']['fastapi'][1]:.2f} | |")
    print(f"| overhead: p50 - in-process {forward:.2f} ms | {rows['c1']['tessera'][1] - forward:.2f} | "
          f"{rows['c1']['fastapi'][1] - forward:.2f} | ours <= 0.5 ms |")
    for n, label in (("tessera", "tessera serve"), ("fastapi", "FastAPI peer")):
        rps, p50, p99, _ = rows["70"][n]
        print(f"| at 70% of peak, {label}: {rps:.0f} req/s, p50 / p99 (ms) | {p50:.2f} / {p99:.2f} | "
              f"p99 / p50 = {p99 / p50:.2f} | <= 2 |")
    print()
    print(f"non-200 answers: {failures}")


if __name__ == "__main__":
    main()
