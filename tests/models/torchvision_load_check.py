#!/opt/tessera/venv/bin/python
"""Oracle for init_weights_test.cpp's export test: loads a safetensors file written by Tessera into
torchvision's own ResNet with strict=True (so every name and shape must match), runs it in eval
mode on the saved input and writes torchvision's logits.
Usage: torchvision_load_check.py ARCH NUM_CLASSES IN_CHANNELS WEIGHTS INPUT OUTPUT
"""
import sys

import torch
import torchvision
from safetensors.torch import load_file, save_file


def main() -> None:
    arch, num_classes, in_channels, weights_path, input_path, output_path = sys.argv[1:7]
    num_classes, in_channels = int(num_classes), int(in_channels)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        model.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    model.load_state_dict(load_file(weights_path), strict=True)
    model.eval()
    with torch.no_grad():
        y = model(load_file(input_path)["input"])
    save_file({"output": y.contiguous()}, output_path)


if __name__ == "__main__":
    main()
