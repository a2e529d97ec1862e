// The CLI as a user meets it: help, exit codes, one-line errors, dry runs, version, inspect.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST(Cli, HelpListsEverySubcommand) {
  const auto result = run_tessera({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"train", "eval", "infer", "generate", "next", "report", "compare", "drift", "prepare",
                              "inspect", "version"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << command;
  }
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* command : {"train", "eval", "infer", "generate", "next", "report", "compare", "drift", "prepare",
                              "inspect", "version"}) {
    const auto result = run_tessera({command, "--help"});
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("Usage"), std::string::npos) << command;
  }
  EXPECT_NE(run_tessera({"train", "--help"}).out.find("--set"), std::string::npos);
}

TEST(Cli, NoOrUnknownSubcommandFails) {
  EXPECT_NE(run_tessera({}).exit_code, 0);
  EXPECT_NE(run_tessera({"trian"}).exit_code, 0);
}

TEST(Cli, BadConfigIsOneLineUserErrorWithLocationAndKey) {
  const fs::path dir = fresh_dir("cfg");
  std::ofstream(dir / "bad.yaml") << "optim:\n  name: sgd\n  lr: -1\n";
  const auto result = run_tessera({"train", (dir / "bad.yaml").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "error: " + (dir / "bad.yaml").string() + ":3:3: optim.lr: must be > 0 (got -1)\n");
}

TEST(Cli, SetOverrideErrorsNameTheArgument) {
  const fs::path dir = fresh_dir("cfg");
  std::ofstream(dir / "ok.yaml") << "train: {epochs: 1}\n";
  const auto result = run_tessera({"train", (dir / "ok.yaml").string(), "--set", "train.epohcs=2"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "error: --set train.epohcs=2: train.epohcs: unknown key; did you mean 'train.epochs'?\n");
}

TEST(Cli, DryRunPrintsTheResolvedConfigWithOverrides) {
  const auto result = run_tessera(
      {"train", std::string(TESSERA_SOURCE_DIR) + "/configs/digits.yaml", "--dry-run", "--set", "optim.lr=0.125"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("lr: 0.125"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("name: digits"), std::string::npos) << "run name defaults to the config stem";
  EXPECT_NE(result.out.find("label_smoothing:"), std::string::npos) << "defaults are filled in";
}

// A learning rate that makes the loss non-finite stops the run with the step and advice.
TEST(Cli, DivergingTrainingNamesTheStepAndWhatToChange) {
  const fs::path dir = fresh_dir("diverge");
  std::ofstream(dir / "c.yaml") << quick_digits_config(dir / "models", 1);
  const auto result = run_tessera({"train", (dir / "c.yaml").string(), "--set", "optim.lr=1e30"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("training diverged at epoch 1 step "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("lower optim.lr"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("No epoch finished, so there is no checkpoint to go back to"), std::string::npos)
      << result.err;
}

TEST(Cli, MissingConfigFileIsAUserError) {
  const auto result = run_tessera({"train", "/nonexistent/config.yaml"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("/nonexistent/config.yaml"), std::string::npos);
}

TEST(Cli, MissingTrainingDataNamesTheFolder) {
  const fs::path dir = fresh_dir("nodata");
  std::ofstream(dir / "c.yaml") << "runtime: {output_dir: " << (dir / "models").string() << "}\n"
                                << "data: {train: " << (dir / "no-such-folder").string() << "}\n";
  const auto result = run_tessera({"train", (dir / "c.yaml").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find((dir / "no-such-folder").string()), std::string::npos) << result.err;
  EXPECT_EQ(count_lines(result.err.substr(result.err.find("error:"))), 1) << result.err;
}

TEST(Cli, AskingForCudaWithoutAGpuIsAUserError) {
  if (run_tessera({"version"}).out.find("CUDA devices:          none") == std::string::npos) {
    GTEST_SKIP() << "a CUDA device is present";
  }
  const fs::path dir = fresh_dir("cuda");
  std::ofstream(dir / "c.yaml") << quick_digits_config(dir / "models", 1);
  const auto result = run_tessera({"train", (dir / "c.yaml").string(), "--set", "runtime.device=cuda"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no CUDA device is available"), std::string::npos) << result.err;
}

TEST(Cli, VersionNamesTorchAndLibraries) {
  const auto result = run_tessera({"version"});
  ASSERT_EQ(result.exit_code, 0);
  for (const char* name : {"tessera:", "torch:", "2.11.0", "CUDA runtime:", "cuDNN:", "OpenCV:", "DCMTK:", "CUDA devices:"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name << "\n" << result.out;
  }
}

// Spinning OpenMP threads slow a shared machine 10-20x (core/openmp_wait.h): the CLI picks passive
// waiting itself when the caller exported nothing, and leaves an explicit choice alone.
TEST(Cli, ChoosesPassiveOpenMpWaitingUnlessTheCallerDid) {
  const char* outer = std::getenv("OMP_WAIT_POLICY");  // tools/test.sh exports PASSIVE
  const std::string saved = outer ? outer : "";
  const auto policy_line = [] {
    const auto out = run_tessera({"version"}).out;
    const auto at = out.find("OpenMP wait policy:");
    return at == std::string::npos ? out : out.substr(at, out.find('\n', at) - at);
  };
  ::unsetenv("OMP_WAIT_POLICY");
  ::unsetenv("TESSERA_OMP_REEXEC");  // as a user's shell has it
  EXPECT_NE(policy_line().find("PASSIVE (set by tessera)"), std::string::npos) << policy_line();
  ::setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
  EXPECT_NE(policy_line().find("ACTIVE (from the environment)"), std::string::npos) << policy_line();
  ::unsetenv("OMP_WAIT_POLICY");
  ::setenv("TESSERA_OMP_WAIT_POLICY", "keep", 1);
  EXPECT_NE(policy_line().find("libgomp default"), std::string::npos) << policy_line();
  ::unsetenv("TESSERA_OMP_WAIT_POLICY");
  if (outer) ::setenv("OMP_WAIT_POLICY", saved.c_str(), 1);
}

// The CUDA build must start where there is no GPU and no driver: torch loads libcuda lazily, so
// our binary must not name it (linking CUDA::cuda_driver or -lcuda would).
TEST(Cli, BinaryDoesNotNeedTheCudaDriver) {
  FILE* pipe = ::popen(("readelf -d " + std::string(TESSERA_CLI) + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string dynamic;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) dynamic.append(buffer, n);
  ASSERT_EQ(::pclose(pipe), 0) << dynamic;
  EXPECT_NE(dynamic.find("libtorch"), std::string::npos) << dynamic;
  EXPECT_EQ(dynamic.find("libcuda.so"), std::string::npos) << dynamic;
}

TEST(Cli, InspectDescribesConfigsAndRejectsOtherFiles) {
  const auto config = run_tessera({"inspect", std::string(TESSERA_SOURCE_DIR) + "/configs/digits.yaml"});
  EXPECT_EQ(config.exit_code, 0) << config.err;
  EXPECT_NE(config.out.find("is valid"), std::string::npos);
  const fs::path dir = fresh_dir("inspect");
  std::ofstream(dir / "notes.txt") << "hello";
  const auto other = run_tessera({"inspect", (dir / "notes.txt").string()});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("cannot inspect"), std::string::npos);
}

// A named pipe used to hang inspect (its readers opened it and waited for a writer).
TEST(Cli, InspectRefusesANamedPipeByItsTypeWithoutOpeningIt) {
  const fs::path dir = fresh_dir("inspect-fifo");
  for (const std::string name : {"config.yaml", "scan.dcm", "photo.jpg"}) {
    ASSERT_EQ(::mkfifo((dir / name).c_str(), 0600), 0) << name;
    const auto result = run_tessera({"inspect", (dir / name).string()});
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_NE(result.err.find("is a named pipe (FIFO)"), std::string::npos) << result.err;
    if (name == "scan.dcm") EXPECT_EQ(result.err.find(dir.string()), std::string::npos) << "a DICOM path was echoed";
  }
}

}  // namespace
}  // namespace tessera::e2e
