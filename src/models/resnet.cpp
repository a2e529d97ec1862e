#include "tessera/models/resnet.h"
#include "tessera/models/init.h"

#include "tessera/core/error.h"

namespace tessera::models {
namespace {

torch::nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

torch::nn::Conv2d conv1x1(std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride,
                               torch::nn::Sequential ds) {
  conv1 = register_module("conv1", conv3x3(in_planes, planes, stride));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  // torchvision stores None when there is no downsample: no keys in the state dict.
  if (ds) downsample = register_module("downsample", ds);
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  auto identity = downsample ? downsample->forward(x) : x;
  auto out = torch::relu(bn1->forward(conv1->forward(x)));
  out = bn2->forward(conv2->forward(out));
  return torch::relu(out + identity);
}

BottleneckImpl::BottleneckImpl(std::int64_t in_planes, std::int64_t planes, std::int64_t stride,
                               torch::nn::Sequential ds) {
  conv1 = register_module("conv1", conv1x1(in_planes, planes));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
  // ResNet v1.5: the stride sits on the 3x3 conv, not the first 1x1.
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * expansion));
  bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * expansion));
  if (ds) downsample = register_module("downsample", ds);
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  auto identity = downsample ? downsample->forward(x) : x;
  auto out = torch::relu(bn1->forward(conv1->forward(x)));
  out = torch::relu(bn2->forward(conv2->forward(out)));
  out = bn3->forward(conv3->forward(out));
  return torch::relu(out + identity);
}

ResNetImpl::ResNetImpl(const ResNetOptions& opts) : options(opts) {
  if (options.layers().size() != 4)
    throw UserError("resnet: expected 4 stages, got " + std::to_string(options.layers().size()));
  if (options.num_classes() < 1 || options.in_channels() < 1)
    throw UserError("resnet: num_classes and in_channels must be positive");

  conv1 = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), 64, 7)
                                     .stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));
  maxpool = register_module(
      "maxpool", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  layer1 = register_module("layer1", make_layer(64, options.layers()[0], 1));
  layer2 = register_module("layer2", make_layer(128, options.layers()[1], 2));
  layer3 = register_module("layer3", make_layer(256, options.layers()[2], 2));
  layer4 = register_module("layer4", make_layer(512, options.layers()[3], 2));
  fc = register_module("fc", torch::nn::Linear(in_planes_, options.num_classes()));

  // torchvision's init: Kaiming normal (fan_out, ReLU) for convs, BN as the identity, fc keeps
  // the default Linear init (zero_init_residual is off by default there too).
  init_conv_bn(*this);
}

torch::nn::Sequential ResNetImpl::make_layer(std::int64_t planes, std::int64_t blocks,
                                             std::int64_t stride) {
  const bool bottleneck = options.block() == ResNetBlock::bottleneck;
  const std::int64_t expansion = bottleneck ? BottleneckImpl::expansion : BasicBlockImpl::expansion;
  auto make_block = [&](std::int64_t in, std::int64_t s, torch::nn::Sequential ds) {
    return bottleneck ? torch::nn::AnyModule(Bottleneck(in, planes, s, ds))
                      : torch::nn::AnyModule(BasicBlock(in, planes, s, ds));
  };

  torch::nn::Sequential downsample{nullptr};
  if (stride != 1 || in_planes_ != planes * expansion) {
    downsample = torch::nn::Sequential(conv1x1(in_planes_, planes * expansion, stride),
                                       torch::nn::BatchNorm2d(planes * expansion));
  }
  torch::nn::Sequential layer;
  layer->push_back(make_block(in_planes_, stride, downsample));
  in_planes_ = planes * expansion;
  for (std::int64_t i = 1; i < blocks; ++i) layer->push_back(make_block(in_planes_, 1, nullptr));
  return layer;
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = maxpool->forward(torch::relu(bn1->forward(conv1->forward(x))));
  x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc->forward(x);
}

ResNet resnet18(std::int64_t num_classes, std::int64_t in_channels) {
  return ResNet(ResNetOptions(ResNetBlock::basic, {2, 2, 2, 2})
                    .num_classes(num_classes).in_channels(in_channels));
}

ResNet resnet34(std::int64_t num_classes, std::int64_t in_channels) {
  return ResNet(ResNetOptions(ResNetBlock::basic, {3, 4, 6, 3})
                    .num_classes(num_classes).in_channels(in_channels));
}

ResNet resnet50(std::int64_t num_classes, std::int64_t in_channels) {
  return ResNet(ResNetOptions(ResNetBlock::bottleneck, {3, 4, 6, 3})
                    .num_classes(num_classes).in_channels(in_channels));
}

}  // namespace tessera::models
