#include "tessera/core/build_info.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "tessera/core/openmp_wait.h"

namespace tessera {
namespace {

// CUDA encodes versions as major*1000 + minor*10, cuDNN 9+ as major*10000 + minor*100 + patch.
std::string cuda_version(long encoded) {
  return std::to_string(encoded / 1000) + "." + std::to_string((encoded % 1000) / 10);
}
std::string cudnn_version(long encoded) {
  return std::to_string(encoded / 10000) + "." + std::to_string((encoded % 10000) / 100) + "." +
         std::to_string(encoded % 100);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> runtime_versions() {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("tessera", TESSERA_VERSION);
  rows.emplace_back("torch", TORCH_VERSION);
#ifdef TESSERA_WITH_CUDA
  rows.emplace_back("tessera CUDA support", "on (TESSERA_WITH_CUDA=ON)");
#else
  rows.emplace_back("tessera CUDA support", "off (TESSERA_WITH_CUDA=OFF)");
#endif
  const auto& hooks = at::detail::getCUDAHooks();
  if (hooks.hasCUDART()) {
    rows.emplace_back("CUDA runtime", cuda_version(hooks.versionCUDART()));
    rows.emplace_back("cuDNN", hooks.hasCuDNN() ? cudnn_version(hooks.versionCuDNN()) : "not available");
  } else {
    rows.emplace_back("CUDA runtime", "none (CPU-only torch)");
  }
  const auto gpus = torch::cuda::device_count();
  rows.emplace_back("CUDA devices", gpus == 0 ? "none found (CPU only)" : std::to_string(gpus));
  rows.emplace_back("CPU threads", std::to_string(at::get_num_threads()) + " (torch intra-op; runtime.threads sets it)");
  rows.emplace_back("OpenMP wait policy", describe_openmp_waiting());  // core/openmp_wait.h
  return rows;
}

}  // namespace tessera
