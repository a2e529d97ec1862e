#!/opt/tessera/venv/bin/python
"""End-to-end peer of `tessera train` (bench/e2e_gpu.py): JPEG files -> resnet50 training, images/s.

  python bench/e2e_torchvision.py DATA [--batch 128] [--workers NPROC] [--epochs 3] [--size 224]
                                  [--variant pil|tensor] [--json PATH] [--device cuda]

The textbook PyTorch pipeline, matched to bench/configs/e2e_resnet50.yaml:
  data   torchvision ImageFolder + DataLoader(num_workers, pin_memory=True, shuffle, drop_last,
         persistent_workers), decode with PIL in the worker processes, then
         --variant pil (default): Resize((224, 224), antialias=False) on the PIL image ->
             RandomHorizontalFlip -> ToTensor -> Normalize (ImageNet). PIL ignores antialias=False
             and always filters when downscaling, so this does a little more work per pixel than
             Tessera's bilinear resize; it is what most scripts run.
         --variant tensor: PILToTensor -> Resize((224, 224), antialias=False) on the uint8 tensor
             (Tessera's semantics: bilinear, half-pixel centres, no antialias) -> RandomHorizontalFlip
             -> ToDtype(float32, scale=True) -> Normalize.
  model  torchvision resnet50(num_classes = the folder's classes), channels_last, bf16 autocast
         (forward and loss), cudnn.benchmark, TF32; AdamW(lr 1e-3, weight decay 0.05 on weights,
         none on 1-D parameters; PyTorch's default implementation); cross-entropy.
  step   batch.to(cuda, non_blocking, channels_last) + zero_grad + forward + backward + step; the
         epoch's loss and correct count are summed on the device and read once at its end (Tessera's
         trainer also keeps its totals on the GPU), or every step with --sync-every-step (the
         textbook loop, e.g. pytorch/examples' imagenet script).
Each epoch is timed from asking for its first batch to the synchronised end of its last step
(Tessera's train_images_per_second spans the same). Epoch 1 pays worker start-up and cuDNN's
algorithm search; the reported number is the mean over the epochs after the first.
Last line: "RESULT images_per_s=<value>". Without a CUDA device (and --device cuda) it exits 3.
"""
import argparse
import json
import os
import sys
import time
import warnings

import torch
import torchvision
from torchvision import transforms as T
from torchvision.transforms import v2

# PIL always antialiases; torchvision says so once per worker. The docstring says it once here.
warnings.filterwarnings("ignore", message="Anti-alias option is always applied")

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def make_transform(variant, size):
    if variant == "pil":
        return T.Compose([T.Resize((size, size), antialias=False), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize(MEAN, STD)])
    return v2.Compose([v2.PILToTensor(), v2.Resize((size, size), antialias=False), v2.RandomHorizontalFlip(),
                       v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--variant", default="pil", choices=["pil", "tensor"])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--sync-every-step", action="store_true",
                    help="read loss and accuracy with .item() every step (the textbook loop) instead of once per epoch")
    ap.add_argument("--json")
    args = ap.parse_args()

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("e2e_torchvision: no CUDA device (torch.cuda.is_available() is False); nothing measured")
        sys.exit(3)
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = True
        torch.set_float32_matmul_precision("high")
    torch.manual_seed(0)

    dataset = torchvision.datasets.ImageFolder(args.data, transform=make_transform(args.variant, args.size))
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                         pin_memory=cuda, drop_last=True, persistent_workers=args.workers > 0)
    model = torchvision.models.resnet50(num_classes=len(dataset.classes)).to(device, memory_format=torch.channels_last)
    model.train()
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3)
    card = torch.cuda.get_device_name(device) if cuda else "cpu"
    print(f"e2e_torchvision: {len(dataset)} images in {len(dataset.classes)} classes, resnet50 {args.size}px, "
          f"batch {args.batch}, {args.workers} workers, {args.epochs} epochs, {args.variant} transforms, {card}")

    epochs = []
    for epoch in range(1, args.epochs + 1):
        seen = correct = 0
        loss_sum = 0.0
        t0 = time.perf_counter()
        for x, y in loader:
            x = x.to(device, non_blocking=True, memory_format=torch.channels_last)
            y = y.to(device, non_blocking=True)
            opt.zero_grad()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
                out = model(x)
                loss = torch.nn.functional.cross_entropy(out, y)
            loss.backward()
            opt.step()
            if args.sync_every_step:
                loss_sum += loss.item() * x.size(0)
                correct += out.argmax(1).eq(y).sum().item()
            else:  # totals stay on the device: the host never waits for the GPU mid-epoch
                loss_sum += loss.detach() * x.size(0)
                correct += out.argmax(1).eq(y).sum()
            seen += x.size(0)
        loss_sum, correct = float(loss_sum), int(correct)  # waits for the last step
        if cuda:
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        epochs.append({"epoch": epoch, "seconds": dt, "images": seen, "images_per_s": seen / dt,
                       "loss": loss_sum / max(seen, 1), "accuracy": correct / max(seen, 1)})
        print(f"  epoch {epoch}: {seen} images in {dt:.2f} s = {seen / dt:.0f} img/s, loss {loss_sum / max(seen, 1):.4f}")
    later = epochs[1:] or epochs
    images_per_s = sum(e["images_per_s"] for e in later) / len(later)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "e2e", "side": "torchvision", "card": card, "torch": torch.__version__,
                       "torchvision": torchvision.__version__, "variant": args.variant, "batch": args.batch,
                       "workers": args.workers, "images": len(dataset), "epochs": epochs,
                       "sync_every_step": args.sync_every_step,
                       "images_per_s": images_per_s, "measured_epochs": [e["epoch"] for e in later]}, f, indent=2)
            f.write("\n")
    print(f"RESULT images_per_s={images_per_s:.1f}")


if __name__ == "__main__":
    main()
