// read_launch_environment: what torchrun, a PyTorchJob or a Slurm script set, and one clear error
// per way of getting it wrong.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/dist/launch.h"

namespace tessera::dist {
namespace {

GetEnv from(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string error_of(std::map<std::string, std::string> vars) {
  try {
    read_launch_environment(from(std::move(vars)));
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LaunchEnvironment, NothingSetMeansASingleProcessRun) { EXPECT_FALSE(read_launch_environment(from({}))); }

TEST(LaunchEnvironment, ReadsWhatTorchrunSets) {
  // torchrun --nnodes 2 --nproc-per-node 2, second process of the second node.
  const auto env = read_launch_environment(from({{"RANK", "3"},
                                                 {"WORLD_SIZE", "4"},
                                                 {"LOCAL_RANK", "1"},
                                                 {"LOCAL_WORLD_SIZE", "2"},
                                                 {"MASTER_ADDR", "node0.cluster"},
                                                 {"MASTER_PORT", "29500"},
                                                 {"TORCHELASTIC_RESTART_COUNT", "2"},
                                                 {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
  ASSERT_TRUE(env);
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->local_world_size, 2);
  EXPECT_EQ(env->master_addr, "node0.cluster");
  EXPECT_EQ(env->master_port, 29500);
  EXPECT_EQ(env->restart_count, 2);
  EXPECT_TRUE(env->use_agent_store);
  EXPECT_FALSE(env->is_main());
  EXPECT_EQ(describe(*env), "rank 3 of 4 (local 1 of 2), store node0.cluster:29500 (torchrun agent, attempt 2)");
}

TEST(LaunchEnvironment, PlainVariablesAsAPyTorchJobSetsThem) {
  // Kubeflow's PyTorchJob sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT only.
  const auto env = read_launch_environment(
      from({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "job-master-0"}, {"MASTER_PORT", "23456"}}));
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->is_main());
  EXPECT_EQ(env->local_rank, 0);
  EXPECT_EQ(env->local_world_size, 2);
  EXPECT_FALSE(env->use_agent_store);
  EXPECT_EQ(describe(*env), "rank 0 of 2 (local 0 of 2), store job-master-0:23456 (hosted here)");
}

TEST(LaunchEnvironment, OneProcessNeedsNoStoreAddress) {
  const auto env = read_launch_environment(from({{"RANK", "0"}, {"WORLD_SIZE", "1"}}));
  ASSERT_TRUE(env);
  EXPECT_EQ(env->world_size, 1);
  EXPECT_TRUE(env->master_addr.empty());
}

TEST(LaunchEnvironment, EveryMistakeNamesItsVariable) {
  const std::map<std::string, std::string> base = {{"MASTER_ADDR", "h"}, {"MASTER_PORT", "1234"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    extra.insert(base.begin(), base.end());
    return error_of(extra);
  };
  EXPECT_NE(with({{"RANK", "0"}}).find("WORLD_SIZE is not set"), std::string::npos);
  EXPECT_NE(with({{"WORLD_SIZE", "2"}}).find("RANK is not set"), std::string::npos);
  EXPECT_NE(with({{"RANK", "2"}, {"WORLD_SIZE", "2"}}).find("RANK=2 is outside 0..1"), std::string::npos);
  EXPECT_NE(with({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK='x' is not a whole number"), std::string::npos);
  EXPECT_NE(with({{"RANK", "0"}, {"WORLD_SIZE", "0"}}).find("WORLD_SIZE=0 is outside"), std::string::npos);
  EXPECT_NE(with({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "3"}, {"LOCAL_WORLD_SIZE", "2"}}).find("LOCAL_RANK=3"),
            std::string::npos);
  EXPECT_NE(with({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "maybe"}})
                .find("TORCHELASTIC_USE_AGENT_STORE='maybe'"),
            std::string::npos);
  EXPECT_NE(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}).find("MASTER_ADDR is not set"),
            std::string::npos);
  EXPECT_NE(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}).find("MASTER_PORT is not set"),
            std::string::npos);
  EXPECT_NE(with({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}).find("MASTER_PORT=70000 is outside 1..65535"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::dist

namespace tessera::dist {
namespace {

TEST(DistributedConfig, AutoByDefaultAndOnlyAutoOrOff) {
  EXPECT_EQ(config::parse_config("model: {name: simple_cnn}\n", "c.yaml").runtime.distributed,
            config::Distributed::automatic);
  EXPECT_EQ(config::parse_config("runtime: {distributed: off}\n", "c.yaml").runtime.distributed,
            config::Distributed::off);
  try {
    config::parse_config("runtime: {distributed: nccl}\n", "c.yaml");
    ADD_FAILURE() << "accepted distributed: nccl";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("runtime.distributed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera::dist
