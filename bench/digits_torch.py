#!/opt/tessera/venv/bin/python
"""(c) the digits calibration peer: what a plain PyTorch script gets on `tessera prepare digits`.

  python bench/digits_torch.py DIGITS_DIR [--epochs 15] [--threads 2] [--seed 0]

DIGITS_DIR holds train/, val/, test/ (class folders of 20x20 grey PNGs). Like
configs/digits.yaml: images decoded once and kept in memory, normalised (x/255 - 0.5)/0.5,
+-2 px random shifts with zero padding while training, batch 64, AdamW (lr 3e-3, weight decay
0.05, none on 1-D parameters), label smoothing 0.05, val evaluated after every epoch, test at the
end with the final weights. Differences (on purpose, this is the "plain" peer): a three-conv-layer
CNN (32-64-128, BN, ReLU, max-pool, global average pool, dropout 0.1), where Tessera's simple_cnn
has five convs; OneCycleLR (1 warm-up epoch of 15, cosine) instead of Tessera's warmup+cosine.
Training seconds cover the epoch loop including the per-epoch validation, like `tessera train`.
Last line: "RESULT test_accuracy=<acc> train_seconds=<s>".
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image


def load_split(root):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith("."))
    xs, ys = [], []
    for label, c in enumerate(classes):
        folder = os.path.join(root, c)
        for name in sorted(os.listdir(folder)):
            xs.append(np.asarray(Image.open(os.path.join(folder, name)).convert("L"), dtype=np.uint8))
            ys.append(label)
    x = torch.from_numpy(np.stack(xs)).float().div_(255).sub_(0.5).div_(0.5).unsqueeze(1)  # N,1,20,20
    return x, torch.tensor(ys), classes


class PlainCnn(nn.Module):
    def __init__(self, classes, width=32, dropout=0.1):
        super().__init__()
        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*block(1, width), nn.MaxPool2d(2), *block(width, 2 * width), nn.MaxPool2d(2),
                                      *block(2 * width, 4 * width))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * width, classes)

    def forward(self, x):
        return self.fc(self.dropout(self.features(x).mean((2, 3))))


def shift(x, pad, gen):
    """Random +-pad px shifts; the uncovered border is 0 before normalisation (-1 after)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), value=-1.0)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h)[None, :])  # n,h
    cols = (dx[:, None] + torch.arange(w)[None, :])  # n,w
    idx = torch.arange(n)[:, None, None]
    return padded[:, 0][idx, rows[:, :, None], cols[:, None, :]].unsqueeze(1)


@torch.no_grad()
def evaluate(model, x, y, batch=256):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="/tmp/tessera-bench/digits")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr, classes = load_split(os.path.join(args.dir, "train"))
    xva, yva, _ = load_split(os.path.join(args.dir, "val"))
    xte, yte, _ = load_split(os.path.join(args.dir, "test"))
    model = PlainCnn(len(classes))
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-3)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=args.epochs, steps_per_epoch=steps_per_epoch,
                                                pct_start=1.0 / args.epochs if args.epochs > 1 else 0.3,
                                                anneal_strategy="cos")
    gen = torch.Generator().manual_seed(args.seed)
    print(f"digits_torch: {len(xtr)}/{len(xva)}/{len(xte)} images, plain 3-conv CNN, {args.epochs} epochs, "
          f"{torch.get_num_threads()} threads")
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        e0 = time.perf_counter()
        order = torch.randperm(len(xtr), generator=gen)
        loss_sum = 0.0
        for i in range(0, len(xtr), args.batch):
            idx = order[i:i + args.batch]
            x, y = shift(xtr[idx], 2, gen), ytr[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
        train_s = time.perf_counter() - e0
        val = evaluate(model, xva, yva)
        print(f"  epoch {epoch}: train loss {loss_sum / len(xtr):.4f} val acc {val:.4f} "
              f"({train_s:.2f} s train, {time.perf_counter() - t0:.1f} s total)")
    seconds = time.perf_counter() - t0
    test = evaluate(model, xte, yte)
    print(f"test accuracy {test:.4f}, training {seconds:.1f} s")
    print(f"RESULT test_accuracy={test:.4f} train_seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
