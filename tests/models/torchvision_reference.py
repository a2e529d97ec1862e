#!/opt/tessera/venv/bin/python
"""Reference for resnet_test.cpp: builds torchvision's ResNet with a fixed seed, perturbs the
BatchNorm statistics (so eval-mode BN is really exercised, not the identity), runs one eval
forward on a fixed input and saves:
  WEIGHTS: the state_dict, metadata num_params = parameter count
  IO:      "input" and "output" tensors
Usage: torchvision_reference.py ARCH NUM_CLASSES IN_CHANNELS WEIGHTS IO
"""
import sys

import torch
import torchvision
from safetensors.torch import save_file


def main() -> None:
    arch, num_classes, in_channels, weights_path, io_path = sys.argv[1:6]
    num_classes, in_channels = int(num_classes), int(in_channels)
    torch.manual_seed(1234)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        # What a user adapting torchvision to grey images does; Tessera's in_channels matches it.
        model.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.6, 1.0)  # <= 1 keeps deep-net logits O(1), so 1e-4 abs is tight
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(2, in_channels, 64, 64)
    with torch.no_grad():
        y = model(x)
    num_params = sum(p.numel() for p in model.parameters())
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, weights_path, metadata={"num_params": str(num_params)})
    save_file({"input": x, "output": y}, io_path)


if __name__ == "__main__":
    main()
