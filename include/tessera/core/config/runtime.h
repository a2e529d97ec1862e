#pragma once
#include <cstdint>
#include <regex>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class LogLevel { trace, debug, info, warn, error, off };
template <>
struct ChoiceTable<LogLevel> {
  static constexpr ChoiceName<LogLevel> names[] = {{LogLevel::trace, "trace"}, {LogLevel::debug, "debug"},
                                                   {LogLevel::info, "info"},   {LogLevel::warn, "warn"},
                                                   {LogLevel::error, "error"}, {LogLevel::off, "off"}};
};

enum class Distributed { automatic, off };
template <>
struct ChoiceTable<Distributed> {
  static constexpr ChoiceName<Distributed> names[] = {{Distributed::automatic, "auto"}, {Distributed::off, "off"}};
};

enum class Precision { automatic, fp32, bf16 };
template <>
struct ChoiceTable<Precision> {
  static constexpr ChoiceName<Precision> names[] = {
      {Precision::automatic, "auto"}, {Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}};
};

enum class MemoryFormat { automatic, contiguous, channels_last };
template <>
struct ChoiceTable<MemoryFormat> {
  static constexpr ChoiceName<MemoryFormat> names[] = {{MemoryFormat::automatic, "auto"},
                                                       {MemoryFormat::contiguous, "contiguous"},
                                                       {MemoryFormat::channels_last, "channels_last"}};
};

// Where and how a run executes.
struct RuntimeConfig {
  std::string device = "auto";      // auto | cpu | cuda | cuda:N (auto picks CUDA when present)
  std::uint64_t seed = 0;           // same seed and threads on the CPU = identical run
  int threads = 0;                  // torch intra-op threads; 0 = every core
  LogLevel log_level = LogLevel::info;
  std::string output_dir = "models";  // run directories are created under it
  std::string name;                 // run name; empty = the config file's stem
  // How the maths runs (core/compute.h). "auto" picks what is fast and safe for the device:
  // bf16 autocast and channels_last on CUDA, fp32 and contiguous on the CPU.
  Precision precision = Precision::automatic;            // autocast; bf16 needs no loss scaler
  MemoryFormat memory_format = MemoryFormat::automatic;  // 4-D activations and weights
  bool cudnn_benchmark = true;         // let cuDNN time its algorithms once per input shape
  bool tf32 = true;                    // TF32 tensor cores for fp32 matmuls and convolutions on CUDA
  // Experiment tracking (track/mlflow_tracker.h): every run also written to an MLflow file store
  // by Tessera itself (no Python at run time): params, tags, per-epoch metrics, status, artifacts,
  // and `tessera eval`'s test metrics and reports. "" = off; relative paths resolve against the
  // current directory, like output_dir. Browse with `MLFLOW_ALLOW_FILE_STORE=true mlflow ui
  // --backend-store-uri ./mlruns`: mlflow 3.x refuses a file store without that variable.
  std::string mlflow_dir;                   // e.g. mlruns
  std::string mlflow_experiment = "tessera";  // found by name, created when absent
  // Data-parallel training (dist/group.h): "auto" joins the group that the launcher describes
  // (torchrun, or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set by hand) and trains alone when
  // none is set; "off" always trains alone, launcher or not.
  Distributed distributed = Distributed::automatic;

  template <class V>
  void visit(V& v) {
    v.field("device", device);
    v.field("seed", seed);
    v.field("threads", threads);
    v.field("log_level", log_level);
    v.field("output_dir", output_dir);
    v.field("name", name);
    v.field("precision", precision);
    v.field("memory_format", memory_format);
    v.field("cudnn_benchmark", cudnn_benchmark);
    v.field("tf32", tf32);
    v.field("mlflow_dir", mlflow_dir);
    v.field("mlflow_experiment", mlflow_experiment);
    v.field("distributed", distributed);
  }
  void validate(const SectionChecker& c) const {
    static const std::regex device_pattern("auto|cpu|cuda|cuda:[0-9]+");
    if (!std::regex_match(device, device_pattern)) {
      c.fail("device", "unknown device '" + device + "' (expected auto, cpu, cuda or cuda:N)");
    }
    c.non_negative("threads", threads);
    if (name.find('/') != std::string::npos) c.fail("name", "must not contain '/'");
    if (mlflow_experiment.empty()) c.fail("mlflow_experiment", "must not be empty");
    if (mlflow_experiment.find_first_of("\r\n") != std::string::npos) c.fail("mlflow_experiment", "must be one line");
  }
};

}  // namespace tessera::config
