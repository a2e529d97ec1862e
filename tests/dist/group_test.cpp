// dist::Group with real processes on Gloo over loopback. The test re-runs its own executable as
// the ranks (gtest filter DistWorker.Rank, role and rank in the environment), because a fork of a
// process whose OpenMP pool has run cannot use it again.
//   - 2 ranks with batch B each reach the weights of 1 process with batch 2B after 6 SGD steps
//     (within 1e-5), starting from different random weights that rank 0's broadcast replaces;
//   - metric sums are exact; rows of different counts per rank gather in rank order, bit for bit;
//   - a rank that dies makes the survivor fail with a clear error well inside the timeout;
//   - the venv's real torchrun starts the ranks and they join through its agent-hosted store.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/free_port.h"
#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/dist/group.h"

extern char** environ;

namespace tessera::dist {
namespace {

constexpr int kSteps = 6, kRowsPerRank = 4, kWorld = 2;
constexpr float kLr = 0.2f;

torch::nn::Sequential make_net(int seed) {
  torch::manual_seed(seed);
  return torch::nn::Sequential(torch::nn::Linear(8, 16), torch::nn::ReLU(), torch::nn::Linear(16, 3));
}

// Step s's global batch of kWorld * kRowsPerRank rows; a rank takes its contiguous block of it.
std::pair<torch::Tensor, torch::Tensor> global_batch(int step) {
  torch::manual_seed(1000 + step);
  return {torch::randn({kWorld * kRowsPerRank, 8}), torch::randint(0, 3, {kWorld * kRowsPerRank})};
}

// Plain SGD on the mean cross-entropy of this rank's rows; with a group, gradients are averaged
// over ranks first, which is exactly the gradient of the mean over the whole global batch.
void train(torch::nn::Sequential& net, Group* group, int rank, int rows) {
  for (int step = 0; step < kSteps; ++step) {
    auto [x, y] = global_batch(step);
    x = x.narrow(0, rank * rows, rows);
    y = y.narrow(0, rank * rows, rows);
    net->zero_grad();
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    if (group) group->average_gradients(net->parameters());
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.sub_(kLr * p.grad());
  }
}

torch::Tensor flat(torch::nn::Sequential& net) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : net->parameters()) parts.push_back(p.detach().reshape({-1}));
  return torch::cat(parts);
}

struct RankExit {
  int status = -1;  // exit status, or 128 + signal
  double seconds = 0;
};

// Starts `world` copies of this executable as ranks of `role` and waits for all of them.
std::vector<RankExit> run_ranks(const std::string& role, const std::filesystem::path& out, int world = kWorld) {
  const std::string port = std::to_string(tessera::testing::free_port());
  std::vector<pid_t> pids;
  const auto start = std::chrono::steady_clock::now();
  for (int rank = 0; rank < world; ++rank) {
    std::vector<std::string> variables;
    for (char** e = environ; *e; ++e) variables.emplace_back(*e);
    for (const std::string& v : {"TESSERA_DIST_ROLE=" + role, "TESSERA_DIST_OUT=" + out.string(),
                                 "RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world),
                                 std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + port, std::string("OMP_NUM_THREADS=1")}) {
      variables.push_back(v);
    }
    std::vector<char*> envp;
    for (auto& v : variables) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe", filter = "--gtest_filter=DistWorker.Rank";
    char* argv[] = {exe.data(), filter.data(), nullptr};
    pid_t pid = -1;
    EXPECT_EQ(::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()), 0);
    pids.push_back(pid);
  }
  std::vector<RankExit> exits;
  for (const pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    RankExit exit;
    exit.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    exit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    exits.push_back(exit);
  }
  return exits;
}

// --- the ranks -----------------------------------------------------------------------------------

// Rank r's rows for the gather test: r + 2 rows with values no sum could produce by accident.
torch::Tensor gather_rows_of(int rank) {
  return torch::arange(3 * (rank + 2), torch::kFloat64).reshape({rank + 2, 3}) * 1.1 + rank * 1e9 + 1e-7;
}

// Exit codes: 0 ok, 1 wrong result, 42 the expected clean failure, others: a crash or an error.
int rank_main(const std::string& role, const std::filesystem::path& out) {
  torch::set_num_threads(1);
  const auto env = read_launch_environment();
  GroupOptions options;
  if (role == "die") options.timeout = std::chrono::seconds(20);
  const auto group = Group::join(*env, options);
  if (role == "train") {
    auto net = make_net(100 + env->rank);  // different on purpose: the broadcast must fix it
    std::vector<torch::Tensor> state = net->parameters();
    for (const auto& b : net->buffers()) state.push_back(b);
    group->broadcast_from_main(state);
    train(net, group.get(), env->rank, kRowsPerRank);
    torch::save(flat(net), (out / ("rank" + std::to_string(env->rank) + ".pt")).string());
    return 0;
  }
  if (role == "sum") {
    const auto total = group->sum({static_cast<double>(env->rank), 1.0, 0.5, 1e15 + env->rank});
    const std::vector<double> expected = {1.0, 2.0, 1.0, 2e15 + 1};
    return total == expected ? 0 : 1;
  }
  if (role == "gather") {  // rank r contributes r + 2 rows of 3 columns, then an empty set
    const torch::Tensor mine = gather_rows_of(env->rank);
    const torch::Tensor all = group->gather_rows(mine);
    const torch::Tensor expected = torch::cat({gather_rows_of(0), gather_rows_of(1)});
    const bool empty_ok = group->gather_rows(torch::zeros({0, 3}, torch::kFloat64)).sizes() == torch::IntArrayRef({0, 3});
    bool width_checked = false;
    try {
      group->gather_rows(torch::zeros({1, env->rank + 1}, torch::kFloat64));  // the ranks disagree on k
    } catch (const UserError&) {
      width_checked = true;
    }
    return torch::equal(all, expected) && empty_ok && width_checked ? 0 : 1;
  }
  if (role == "torchrun") {  // started by torchrun itself: where it put us, and a collective to prove it
    const auto total = group->sum({1.0});
    std::ofstream(out / ("rank" + std::to_string(env->rank) + ".txt")) << describe(*env) << "\n" << total.at(0) << "\n";
    return total.at(0) == env->world_size ? 0 : 1;
  }
  if (role == "die") {
    if (env->rank == 1) ::_exit(9);  // gone without a word, as a killed or crashed process is
    auto net = make_net(0);
    torch::nn::functional::cross_entropy(net->forward(torch::randn({2, 8})), torch::tensor({0, 1})).backward();
    try {
      group->average_gradients(net->parameters());
    } catch (const UserError& e) {
      std::ofstream(out / "error.txt") << e.what();
      return 42;
    }
    return 0;
  }
  return 3;
}

TEST(DistWorker, Rank) {
  const char* role = std::getenv("TESSERA_DIST_ROLE");
  if (role == nullptr) GTEST_SKIP() << "runs only as a rank started by the DistributedGroup tests";
  int code = 2;
  try {
    code = rank_main(role, std::getenv("TESSERA_DIST_OUT"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank failed: %s\n", e.what());
  }
  std::fflush(nullptr);
  ::_exit(code);  // the exit code is the result; no gtest summary
}

// --- the tests -----------------------------------------------------------------------------------

TEST(DistributedGroup, TwoRanksOfBatchBEqualOneProcessOfBatch2B) {
  tessera::testing::TempDir dir;
  const auto exits = run_ranks("train", dir.path());
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0].status, 0);
  EXPECT_EQ(exits[1].status, 0);
  torch::Tensor rank0, rank1;
  torch::load(rank0, (dir / "rank0.pt").string());
  torch::load(rank1, (dir / "rank1.pt").string());

  torch::set_num_threads(1);
  auto single = make_net(100);  // rank 0's initial weights
  const torch::Tensor initial = flat(single).clone();
  train(single, nullptr, 0, kWorld * kRowsPerRank);
  const torch::Tensor reference = flat(single);

  EXPECT_TRUE(torch::equal(rank0, rank1)) << "the ranks diverged";
  const float difference = (rank0 - reference).abs().max().item<float>();
  EXPECT_LE(difference, 1e-5f);
  std::cout << "2 ranks x batch " << kRowsPerRank << " vs 1 process x batch " << kWorld * kRowsPerRank << " after "
            << kSteps << " SGD steps: max |weight difference| " << difference << "\n";
  EXPECT_GT((reference - initial).abs().max().item<float>(), 1e-2f);  // it did learn something
}

TEST(DistributedGroup, MetricSumsAreExact) {
  tessera::testing::TempDir dir;
  for (const auto& exit : run_ranks("sum", dir.path())) EXPECT_EQ(exit.status, 0);
}

TEST(DistributedGroup, GatherRowsConcatenatesUnequalShardsInRankOrder) {
  tessera::testing::TempDir dir;
  for (const auto& exit : run_ranks("gather", dir.path())) EXPECT_EQ(exit.status, 0);
}

// The real launcher: the venv's torchrun starts this executable as 2 ranks (--no-python), with
// its agent-hosted store, and both join, sum and report where they stood.
TEST(DistributedGroup, RunsUnderRealTorchrun) {
  const std::filesystem::path torchrun = std::filesystem::path(TESSERA_PYTHON_EXE).parent_path() / "torchrun";
  if (!std::filesystem::exists(torchrun)) GTEST_SKIP() << "no torchrun next to " << TESSERA_PYTHON_EXE;
  tessera::testing::TempDir dir;
  const std::string command = "TESSERA_DIST_ROLE=torchrun TESSERA_DIST_OUT='" + dir.path().string() + "' '" +
                              torchrun.string() + "' --no-python --standalone --nproc-per-node 2 /proc/" +
                              std::to_string(::getpid()) + "/exe --gtest_filter=DistWorker.Rank > '" +
                              (dir / "torchrun.log").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir / "torchrun.log");
  const std::string output((std::istreambuf_iterator<char>(log)), {});
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  for (int rank = 0; rank < 2; ++rank) {
    std::ifstream in(dir / ("rank" + std::to_string(rank) + ".txt"));
    std::string where, total;
    std::getline(in, where);
    std::getline(in, total);
    EXPECT_EQ(where.rfind("rank " + std::to_string(rank) + " of 2 (local " + std::to_string(rank) + " of 2), store ", 0), 0u)
        << where;
    EXPECT_NE(where.find("(torchrun agent, attempt 0)"), std::string::npos) << where;  // the agent's store
    EXPECT_EQ(total, "2");
    std::cout << where << "\n";
  }
}

TEST(DistributedGroup, ADeadRankEndsTheOtherWithAClearErrorInsideTheTimeout) {
  tessera::testing::TempDir dir;
  const auto exits = run_ranks("die", dir.path());
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[1].status, 9);
  EXPECT_EQ(exits[0].status, 42) << "rank 0 should fail with a UserError, not hang, crash or succeed";
  EXPECT_LT(exits[0].seconds, 20.0 + 5.0);
  std::ifstream in(dir / "error.txt");
  const std::string error((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(error.find("distributed gradient all-reduce failed on rank 0 of 2"), std::string::npos) << error;
  std::cout << "rank 0 said, after " << exits[0].seconds << " s: " << error << "\n";
}

}  // namespace
}  // namespace tessera::dist
