#pragma once
// A data-parallel process group on PyTorch's c10d: the rendezvous store (TCPStore: torchrun's
// agent-hosted one, or one hosted by rank 0), a Gloo backend for CPU tensors and, when the model
// is on a GPU, an NCCL backend for CUDA tensors (each collective goes to the backend of its
// tensors' device, as torch's "cpu:gloo,cuda:nccl" groups do), and the collectives training
// needs: broadcast rank 0's initial weights, average gradients in buckets after backward, and
// sum metrics. There is no DistributedDataParallel in C++ (notes/libtorch.md),
// so this is its core, on c10d's own backends rather than anything home-made.
//
// Failures end the job instead of hanging it: every collective and the rendezvous have a timeout,
// and a peer that dies makes the others' next collective throw (Gloo sees the closed connection
// at once, well inside the timeout). Each failure is a UserError whose one line says which rank
// and what.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "tessera/core/config/runtime.h"
#include "tessera/dist/launch.h"

namespace tessera::dist {

struct GroupOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // rendezvous and each collective
  std::size_t bucket_bytes = 25u << 20;                       // gradient bucket size (DDP's default)
  // Where this process's model lives: a CUDA device adds the NCCL backend, bound to that GPU.
  torch::Device device{torch::kCPU};
};

class Group {
 public:
  // Joins the group described by `env` (blocks until every rank has joined or the timeout).
  static std::unique_ptr<Group> join(const LaunchEnvironment& env, const GroupOptions& options = {});
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const;
  int size() const;
  int local_rank() const;  // which GPU of its machine this process drives
  bool is_main() const { return rank() == 0; }
  std::string backend() const;  // "gloo", or "nccl" when CUDA tensors go through NCCL

  // Every rank ends with rank 0's values, in place (parameters and buffers, in module order).
  void broadcast_from_main(const std::vector<torch::Tensor>& tensors);
  // Each parameter's .grad becomes the mean over ranks. Gradients are flattened into buckets of
  // up to options.bucket_bytes per dtype, one all-reduce per bucket. A parameter without a
  // gradient on this rank joins with zeros, so every rank sends the same shapes.
  void average_gradients(const std::vector<torch::Tensor>& parameters);
  // Rank 0's `text` on every rank (the others' argument is ignored): the run directory, the config.
  std::string broadcast_text(const std::string& text);
  // Element-wise sums over ranks (exact for counts up to 2^53): metric totals.
  std::vector<double> sum(const std::vector<double>& values);
  // Every rank's float64 [n_r, k] rows, concatenated in rank order, on every rank (an all-gather;
  // n_r may differ between ranks, k may not): per-sample evaluation records, batch latencies.
  // Throws UserError when the ranks disagree on k or `rows` is not 2-D float64.
  torch::Tensor gather_rows(const torch::Tensor& rows);
  void barrier();

 private:
  struct Impl;
  explicit Group(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `tessera train` and `tessera eval` do at start: under torchrun (or RANK/WORLD_SIZE/
// MASTER_ADDR/MASTER_PORT set by hand) join the group, even a group of one (so a one-GPU torchrun
// job runs the NCCL path it will run on eight); otherwise, or when the config says
// runtime.distributed: off, run alone (null). `device` is runtime.device ("auto", "cuda", ...):
// on CUDA the group adds NCCL on this process's GPU (cuda:LOCAL_RANK). Quiets the log of every
// rank but rank 0, so one process tells the story.
std::unique_ptr<Group> join_if_launched(config::Distributed policy, const std::string& device);

}  // namespace tessera::dist
