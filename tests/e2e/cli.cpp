#include "e2e/cli.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include "tessera/core/remove_tree.h"

namespace tessera::e2e {
namespace fs = std::filesystem;
namespace {

// execv of the CLI with stdout/stderr redirected; returns in the child only on failure.
[[noreturn]] void exec_tessera(const std::vector<std::string>& args, const fs::path& out, const fs::path& err,
                               const fs::path& cwd) {
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = err == out ? out_fd : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  std::vector<char*> argv;
  std::string program = TESSERA_CLI;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  ::_exit(127);
}

}  // namespace

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path work_dir() {
  const fs::path dir = TESSERA_E2E_WORK_DIR;
  fs::create_directories(dir);
  return dir;
}

fs::path fresh_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  const fs::path dir = work_dir() / "runs" / (test + "." + name);
  tessera::remove_tree(dir);
  fs::create_directories(dir);
  return dir;
}

CommandResult run_tessera(const std::vector<std::string>& args, const fs::path& cwd) {
  const fs::path dir = work_dir() / "io";
  fs::create_directories(dir);
  const std::string stem = std::to_string(::getpid()) + "-" + std::to_string(std::rand());
  const fs::path out = dir / (stem + ".out"), err = dir / (stem + ".err");
  const pid_t pid = ::fork();
  if (pid == 0) exec_tessera(args, out, err, cwd.empty() ? work_dir() : cwd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out);
  result.err = read_text(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

pid_t spawn_tessera(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) exec_tessera(args, log, log, work_dir());
  return pid;
}

namespace {

// Runs `make` once across parallel test processes: the first caller builds `done_marker`.
template <class Make>
void once_across_processes(const std::string& name, const fs::path& done_marker, Make make) {
  const fs::path lock_path = work_dir() / (name + ".lock");
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  ::flock(lock, LOCK_EX);
  std::string error;
  if (!fs::exists(done_marker)) error = make();
  ::flock(lock, LOCK_UN);
  ::close(lock);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace

fs::path digits_dir() {
  const fs::path dir = work_dir() / "digits";
  once_across_processes("digits", dir / "SOURCE.txt", [&]() -> std::string {
    const CommandResult prepared = run_tessera({"prepare", "digits", "--out", dir.string()});
    return prepared.exit_code == 0 ? "" : "tessera prepare digits failed: " + prepared.err;
  });
  return dir;
}

fs::path trained_quick_run() {
  const fs::path root = work_dir() / "quick-run";
  const fs::path run = root / "quick";
  once_across_processes("quick-run", run / "test_metrics.json", [&]() -> std::string {
    tessera::remove_tree(root);
    fs::create_directories(root);
    std::ofstream(root / "quick.yaml") << quick_digits_config(root);
    const CommandResult trained = run_tessera({"train", (root / "quick.yaml").string()});
    return trained.exit_code == 0 ? "" : "training the shared quick run failed: " + trained.err;
  });
  return run;
}

std::string quick_digits_config(const fs::path& output_dir, int epochs) {
  const fs::path digits = digits_dir();
  std::ostringstream yaml;
  yaml << "runtime: {device: cpu, seed: 3, threads: 1, output_dir: " << output_dir.string() << ", name: quick}\n"
       << "data: {train: " << (digits / "train").string() << ", val: " << (digits / "val").string()
       << ", test: " << (digits / "test").string()
       << ", channels: 1, crop: 20, pad: 2, mean: [0.5], std: [0.5], batch_size: 64, workers: 2, cache: true}\n"
       << "model: {name: simple_cnn, width: 8}\n"
       << "optim: {name: adamw, lr: 0.005, weight_decay: 0.01, scheduler: cosine, warmup_epochs: 0.5}\n"
       << "train: {epochs: " << epochs << ", keep: last}\n";
  return yaml.str();
}

namespace {

std::string small_corpus() {
  const char* lines[] = {
      "A stitch in time saves nine.",         "The early bird catches the worm.",
      "Actions speak louder than words.",     "Better late than never.",
      "Every cloud has a silver lining.",     "Fortune favours the bold.",
      "Honesty is the best policy.",          "Practice makes perfect.",
      "The pen is mightier than the sword.",  "When in Rome, do as the Romans do.",
      "Where there is smoke, there is fire.", "Knowledge is power.",
  };
  std::string text;
  for (int round = 0; round < 8; ++round) {
    for (const char* line : lines) text += std::string(line) + "\n";
  }
  return text;  // about 3 KB
}

}  // namespace

fs::path trained_lm_run() {
  const fs::path root = work_dir() / "generate-lm";
  const fs::path run = root / "runs" / "lm";
  const int lock = ::open((work_dir() / "generate-lm.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ::flock(lock, LOCK_EX);
  std::string error;
  if (!fs::exists(run / "weights.safetensors")) {
    tessera::remove_tree(root);
    fs::create_directories(root);
    std::ofstream(root / "corpus.txt") << small_corpus();
    std::ofstream(root / "lm.yaml") << "runtime: {device: cpu, seed: 0, threads: 2, output_dir: "
                                    << (root / "runs").string() << ", name: lm}\n"
                                    << "data: {train: " << (root / "corpus.txt").string() << ", batch_size: 8}\n"
                                    << "model: {name: gpt, context: 32, n_layer: 2, n_head: 2, n_embd: 32}\n"
                                    << "optim: {name: adamw, lr: 0.003, warmup_epochs: 0.2}\n"
                                    << "train: {epochs: 1, monitor: val_loss}\n"
                                    << "text: {tokenizer: char, steps_per_epoch: 30}\n";
    const CommandResult trained = run_tessera({"train", (root / "lm.yaml").string()});
    if (trained.exit_code != 0) error = "training the language model failed: " + trained.err;
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  if (!error.empty()) throw std::runtime_error(error);
  return run;
}

}  // namespace tessera::e2e
