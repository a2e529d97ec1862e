#include "tessera/models/registry.h"

#include <gtest/gtest.h>

#include "tessera/core/error.h"

namespace tessera::models {
namespace {

TEST(Registry, NamesAreStable) {
  EXPECT_EQ(model_names(), (std::vector<std::string>{"simple_cnn", "resnet18", "resnet34", "resnet50"}));
}

TEST(Registry, BuildsEveryModelWithTheSpecSizes) {
  torch::NoGradGuard no_grad;
  for (const auto& name : model_names()) {
    ModelSpec spec;
    spec.name = name;
    spec.num_classes = 4;
    spec.in_channels = 1;
    auto net = create_model(spec);
    ASSERT_TRUE(net) << name;
    net->eval();
    EXPECT_EQ(net->forward(torch::randn({2, 1, 32, 32})).sizes(), (std::vector<std::int64_t>{2, 4}))
        << name;
  }
}

TEST(Registry, SimpleCnnTakesWidth) {
  ModelSpec spec;
  spec.name = "simple_cnn";
  spec.width = 8;
  auto net = create_model(spec);
  EXPECT_EQ(net->named_parameters()["fc.weight"].sizes(), (std::vector<std::int64_t>{10, 32}));
}

TEST(Registry, UnknownNameListsKnownOnesAndSuggests) {
  ModelSpec spec;
  spec.name = "resnet81";
  try {
    create_model(spec);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown model 'resnet81' (known: simple_cnn, resnet18, resnet34, resnet50); "
              "did you mean 'resnet18'?");
  }
  spec.name = "vgg16";
  try {
    create_model(spec);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown model 'vgg16' (known: simple_cnn, resnet18, resnet34, resnet50)");
  }
}

TEST(Registry, InvalidSizesAreUserErrors) {
  ModelSpec spec;
  spec.name = "simple_cnn";
  spec.num_classes = 0;
  EXPECT_THROW(create_model(spec), UserError);
  spec.name = "resnet18";
  EXPECT_THROW(create_model(spec), UserError);
}

}  // namespace
}  // namespace tessera::models
