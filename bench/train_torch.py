#!/opt/tessera/venv/bin/python
"""(b) peer of bench_train: torchvision resnet18/50 trained in eager PyTorch on synthetic data.

  python bench/train_torch.py [--model resnet18] [--size 64] [--batch 32] [--steps 20] [--warmup 3]
                              [--threads 2] [--classes 10] [--device cpu|cuda] [--precision fp32|bf16]
                              [--channels-last] [--cudnn-benchmark 0|1] [--tf32 0|1] [--cuda-graphs]
                              [--adamw default|foreach|fused] [--json PATH]

Same as bench_train: a fixed pool of 4 random batches (on the device) reused round-robin, AdamW
(lr 1e-3, weight decay 0.05 on weights, none on 1-D parameters), cross-entropy, and per step
zero_grad + forward + backward + step + loss.item(). The first `warmup` steps are not timed.
On the CPU it also prints the per-phase split; on CUDA only the whole (synchronised at both ends).

CUDA options, the usual ones: --precision bf16 is torch.autocast("cuda", torch.bfloat16) around
forward and loss; --channels-last is model.to(memory_format=torch.channels_last) and channels_last
inputs; cudnn.benchmark and TF32 (matmul precision "high", cudnn.allow_tf32) default on with
--device cuda. The optimizer is what `torch.optim.AdamW` gives by default (foreach on CUDA, the
single-tensor loop on the CPU) unless --adamw says otherwise.
--cuda-graphs: the whole step captured with torch.cuda.graph after `warmup` eager steps on a side
stream and replayed with static inputs (PyTorch's "whole network capture" recipe): autocast with
cache_enabled=False inside the capture, AdamW(capturable=True, fused=True) so that the step
count and update stay on the device, grads set to None before capture so that replays overwrite.
Last line: "RESULT images_per_s=<value>". Without a CUDA device, --device cuda exits 3.
"""
import argparse
import contextlib
import json
import sys
import time

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18", choices=["resnet18", "resnet34", "resnet50"])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--cudnn-benchmark", type=int, choices=[0, 1], default=None, help="default: 1 on CUDA")
    ap.add_argument("--tf32", type=int, choices=[0, 1], default=None, help="default: 1 on CUDA")
    ap.add_argument("--cuda-graphs", action="store_true")
    ap.add_argument("--adamw", default="default", choices=["default", "foreach", "fused"],
                    help="eager optimizer implementation (default: what torch.optim.AdamW picks)")
    ap.add_argument("--json")
    args = ap.parse_args()

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("train_torch: no CUDA device (torch.cuda.is_available() is False); nothing measured")
        sys.exit(3)
    if args.cuda_graphs and not cuda:
        sys.exit("train_torch: --cuda-graphs needs --device cuda")
    cudnn_benchmark = bool(cuda if args.cudnn_benchmark is None else args.cudnn_benchmark)
    tf32 = bool(cuda if args.tf32 is None else args.tf32)
    bf16 = args.precision == "bf16"
    if cuda:
        torch.backends.cudnn.benchmark = cudnn_benchmark
        torch.backends.cudnn.allow_tf32 = tf32
        torch.set_float32_matmul_precision("high" if tf32 else "highest")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)(num_classes=args.classes).to(device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}]
    if args.cuda_graphs:
        opt = torch.optim.AdamW(groups, lr=1e-3, capturable=True, fused=True)
        optimizer_name = "AdamW(capturable=True, fused=True)"
    else:
        impl = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[args.adamw]
        opt = torch.optim.AdamW(groups, lr=1e-3, **impl)
        optimizer_name = f"AdamW({', '.join(f'{k}=True' for k in impl) or 'default'})"
    xs = [torch.randn(args.batch, 3, args.size, args.size).to(device).contiguous(memory_format=memory_format)
          for _ in range(4)]
    ys = [torch.randint(0, args.classes, (args.batch,)).to(device) for _ in range(4)]
    options = ""
    if cuda:
        options = (f", {device}, {args.precision}" + (", channels_last" if args.channels_last else "")
                   + (", cudnn benchmark" if cudnn_benchmark else "") + (", tf32" if tf32 else "")
                   + (", CUDA graph of the whole step" if args.cuda_graphs else ", eager") + f", {optimizer_name}")
    elif bf16 or args.channels_last:
        options = f", {args.precision}" + (", channels_last" if args.channels_last else "")
    print(f"train_torch: {args.model}, {args.size}x{args.size}, batch {args.batch}, {args.steps} steps "
          f"(+{args.warmup} warm-up), {torch.get_num_threads()} threads{options}")

    def autocast(cache_enabled=True):
        if not bf16:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=cache_enabled)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    phases = [0.0, 0.0, 0.0]
    if args.cuda_graphs:
        static_x, static_y = xs[0].clone(), ys[0].clone()
        c0 = time.perf_counter()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(max(1, args.warmup)):
                opt.zero_grad(set_to_none=True)
                with autocast():
                    loss = torch.nn.functional.cross_entropy(model(static_x), static_y)
                loss.backward()
                opt.step()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            with autocast(cache_enabled=False):
                static_loss = torch.nn.functional.cross_entropy(model(static_x), static_y)
            static_loss.backward()
            opt.step()

        def step(i):
            static_x.copy_(xs[i % 4], non_blocking=True)
            static_y.copy_(ys[i % 4], non_blocking=True)
            graph.replay()
            return static_loss.item()

        for i in range(2):  # first replays, untimed
            last = step(i)
        sync()
        print(f"  warm-up ({max(1, args.warmup)} eager steps) + capture + 2 replays: {time.perf_counter() - c0:.2f} s")
        t0 = time.perf_counter()
        for i in range(args.steps):
            last = step(i)
        sync()
        dt = time.perf_counter() - t0
    else:
        t0 = 0.0
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                sync()
                t0 = time.perf_counter()
            x, y = xs[step % 4], ys[step % 4]
            a = time.perf_counter()
            opt.zero_grad()
            with autocast():
                loss = torch.nn.functional.cross_entropy(model(x), y)
            b = time.perf_counter()
            loss.backward()
            c = time.perf_counter()
            opt.step()
            last = loss.item()
            if step >= args.warmup:
                for i, d in enumerate((b - a, c - b, time.perf_counter() - c)):
                    phases[i] += d
        sync()
        dt = time.perf_counter() - t0
    print(f"  {args.steps} steps in {dt:.2f} s ({1000 * dt / args.steps:.1f} ms/step), last loss {last:.4f}")
    if not cuda:
        f, bw, u = (1000 * p / args.steps for p in phases)
        print(f"  per step: forward {f:.1f} ms, backward {bw:.1f} ms, optimizer {u:.1f} ms")
    images_per_s = args.steps * args.batch / dt
    if args.json:
        report = {"benchmark": "train", "side": "pytorch", "model": args.model, "size": args.size,
                  "batch": args.batch, "steps": args.steps, "warmup": args.warmup, "device": str(device),
                  "precision": args.precision, "channels_last": args.channels_last,
                  "cudnn_benchmark": cudnn_benchmark, "tf32": tf32, "cuda_graphs": args.cuda_graphs,
                  "optimizer": optimizer_name, "torch": torch.__version__, "seconds": dt,
                  "ms_per_step": 1000 * dt / args.steps, "last_loss": last, "images_per_s": images_per_s}
        if cuda:
            report["card"] = torch.cuda.get_device_name(device)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(f"RESULT images_per_s={images_per_s:.1f}")


if __name__ == "__main__":
    main()
