#!/opt/tessera/venv/bin/python
"""(a) peer of bench_loader: torchvision ImageFolder + transforms + DataLoader.

  python bench/loader_torchvision.py DIR [--workers 2] [--batch 64] [--size 224] [--epochs 3]

Same work as bench_loader: decode RGB (PIL), resize straight to size x size, to float, Normalize
(ImageNet), shuffled batches of `batch` with `workers` worker processes (each limited to 1 torch
thread, the DataLoader default). Two pipelines (--variant):
  tensor (default): PILToTensor -> Resize((s, s), bilinear, antialias=False) on the uint8 tensor
                    -> ToDtype(float32, scale) -> Normalize. Bilinear without antialias, the same
                    semantics as Tessera's resize (torchvision rounds the resized image to uint8;
                    Tessera keeps float).
  pil:              Resize((s, s), bilinear) on the PIL image -> ToTensor -> Normalize: the
                    textbook pipeline; PIL ignores antialias=False and always antialiases (a
                    different, costlier filter when downscaling), so semantics differ.
Epoch 0 is a warm-up (worker start-up, page cache) and is reported apart.
Last line: "RESULT images_per_s=<steady> warmup_images_per_s=<epoch 0>".
"""
import argparse
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="/tmp/tessera-bench/jpegs")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--variant", choices=["tensor", "pil"], default="tensor")
    args = ap.parse_args()

    torch.set_num_threads(1)  # the main process only receives batches
    size = (args.size, args.size)
    bilinear = transforms.InterpolationMode.BILINEAR
    normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    if args.variant == "tensor":
        tf = transforms.Compose([transforms.PILToTensor(), transforms.Resize(size, bilinear, antialias=False),
                                 transforms.ConvertImageDtype(torch.float32), normalize])
    else:
        tf = transforms.Compose([transforms.Resize(size, bilinear), transforms.ToTensor(), normalize])
    ds = datasets.ImageFolder(args.dir, transform=tf)
    g = torch.Generator().manual_seed(0)
    # persistent_workers: the warm-up epoch pays the worker start-up once, as our threads do.
    loader = DataLoader(ds, batch_size=args.batch, shuffle=True, num_workers=args.workers, generator=g,
                        persistent_workers=args.workers > 0, prefetch_factor=2 if args.workers > 0 else None)
    print(f"loader_torchvision ({args.variant}): {len(ds)} images, batch {args.batch}, {args.workers} workers, "
          f"{args.size}x{args.size}, {args.epochs} epochs (+1 warm-up)")
    warm, steady_n, steady_t, checksum = 0.0, 0, 0.0, 0.0
    for epoch in range(args.epochs + 1):
        t0 = time.perf_counter()
        n = 0
        for images, labels in loader:
            n += images.shape[0]
            checksum += float(images[0, 0, 0, 0])
        dt = time.perf_counter() - t0
        print(f"  epoch {epoch}{' (warm-up)' if epoch == 0 else ''}: {n} images in {dt:.2f} s = {n / dt:.1f} images/s")
        if epoch == 0:
            warm = n / dt
        else:
            steady_n += n
            steady_t += dt
    rate = steady_n / steady_t if steady_t > 0 else warm
    print(f"(checksum {checksum:.3f})\nRESULT images_per_s={rate:.1f} warmup_images_per_s={warm:.1f}")


if __name__ == "__main__":
    main()
