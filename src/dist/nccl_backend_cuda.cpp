#include "nccl_backend.h"

#ifdef TESSERA_WITH_NCCL  // nccl.h found at configure time (CMakeLists.txt)

// ProcessGroupNCCL.hpp declares its class only under USE_C10D_NCCL, which the wheel's torch_cuda
// target sets for everything that links it.
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

namespace tessera::dist::detail {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                   std::chrono::milliseconds timeout, const torch::Device& device) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  // Its own key space in the store, beside the Gloo backend's (torch names them by backend too).
  auto nccl_store = c10::make_intrusive<c10d::PrefixStore>("nccl", store);
  auto backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(nccl_store, rank, size, options);
  backend->setBoundDeviceId(device);
  backend->eagerConnectSingleDevice(device);
  return backend;
}

}  // namespace tessera::dist::detail

#endif  // TESSERA_WITH_NCCL
