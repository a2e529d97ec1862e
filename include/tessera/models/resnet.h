#pragma once
// ResNet-18/34/50 exactly as torchvision builds them (v1.5: in the Bottleneck the stride sits on
// the 3x3 conv), with the same parameter and buffer names (conv1, bn1, layer1.0.conv1,
// layer2.0.downsample.0, ..., fc), so weights move between torchvision and Tessera through
// safetensors unchanged. The only addition is `in_channels` for conv1 (grey images, 1).
#include <cstdint>
#include <vector>

#include "tessera/models/network.h"

namespace tessera::models {

// torchvision's BasicBlock (resnet18/34): two 3x3 convs, expansion 1.
struct BasicBlockImpl : torch::nn::Module {
  static constexpr std::int64_t expansion = 1;
  BasicBlockImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride,
                 torch::nn::Sequential downsample);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // registered only when present
};
TORCH_MODULE(BasicBlock);

// torchvision's Bottleneck (resnet50): 1x1 -> 3x3 (strided) -> 1x1, expansion 4.
struct BottleneckImpl : torch::nn::Module {
  static constexpr std::int64_t expansion = 4;
  BottleneckImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride,
                 torch::nn::Sequential downsample);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

enum class ResNetBlock { basic, bottleneck };

struct ResNetOptions {
  ResNetOptions(ResNetBlock block, std::vector<std::int64_t> layers)
      : block_(block), layers_(std::move(layers)) {}
  TORCH_ARG(ResNetBlock, block);
  TORCH_ARG(std::vector<std::int64_t>, layers);  // blocks per stage, e.g. {2, 2, 2, 2}
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  TORCH_ARG(std::int64_t, in_channels) = 3;
};

struct ResNetImpl : Network {
  explicit ResNetImpl(const ResNetOptions& options);
  torch::Tensor forward(torch::Tensor x) override;

  ResNetOptions options;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::MaxPool2d maxpool{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};

 private:
  torch::nn::Sequential make_layer(std::int64_t planes, std::int64_t blocks, std::int64_t stride);
  std::int64_t in_planes_ = 64;
};
TORCH_MODULE(ResNet);

ResNet resnet18(std::int64_t num_classes = 1000, std::int64_t in_channels = 3);
ResNet resnet34(std::int64_t num_classes = 1000, std::int64_t in_channels = 3);
ResNet resnet50(std::int64_t num_classes = 1000, std::int64_t in_channels = 3);

}  // namespace tessera::models
