#pragma once
// The NCCL backend for a group's CUDA tensors (weights, gradients). Only in CUDA builds: it lives
// in nccl_backend_cuda.cpp, which needs nccl.h (the wheel's nvidia-nccl package provides it).
#include <chrono>

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace tessera::dist::detail {

// A ProcessGroupNCCL of `size` ranks bound to `device` (this process's GPU), connected eagerly so
// a rendezvous problem shows at start rather than at the first all-reduce. Collectives that do
// not finish within `timeout` make NCCL's watchdog end the process (its default error handling).
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                   std::chrono::milliseconds timeout, const torch::Device& device);

}  // namespace tessera::dist::detail
