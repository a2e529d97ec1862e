#!/usr/bin/env python3
"""(b) peer of bench_train: torchvision resnet18 trained in eager PyTorch on synthetic data.

  python bench/train_torch.py [--size 64] [--batch 32] [--steps 20] [--warmup 3] [--threads 2]

Same as bench_train: a fixed pool of 4 random batches reused round-robin, AdamW (lr 1e-3,
weight decay 0.05 on weights, none on 1-D parameters), cross-entropy, and per step
zero_grad + forward + backward + step + loss.item(). The first `warmup` steps are not timed.
Last line: "RESULT images_per_s=<value>".
"""
import argparse
import time

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--classes", type=int, default=10)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=args.classes)
    model.train()
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3)
    xs = [torch.randn(args.batch, 3, args.size, args.size) for _ in range(4)]
    ys = [torch.randint(0, args.classes, (args.batch,)) for _ in range(4)]
    print(f"train_torch: resnet18, {args.size}x{args.size}, batch {args.batch}, {args.steps} steps "
          f"(+{args.warmup} warm-up), {torch.get_num_threads()} threads")
    t0 = 0.0
    phases = [0.0, 0.0, 0.0]
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            t0 = time.perf_counter()
        x, y = xs[step % 4], ys[step % 4]
        a = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        b = time.perf_counter()
        loss.backward()
        c = time.perf_counter()
        opt.step()
        last = loss.item()
        if step >= args.warmup:
            for i, d in enumerate((b - a, c - b, time.perf_counter() - c)):
                phases[i] += d
    dt = time.perf_counter() - t0
    print(f"  {args.steps} steps in {dt:.2f} s ({1000 * dt / args.steps:.1f} ms/step), last loss {last:.4f}")
    f, bw, u = (1000 * p / args.steps for p in phases)
    print(f"  per step: forward {f:.1f} ms, backward {bw:.1f} ms, optimizer {u:.1f} ms")
    print(f"RESULT images_per_s={args.steps * args.batch / dt:.1f}")


if __name__ == "__main__":
    main()
