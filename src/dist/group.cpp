#include "tessera/dist/group.h"

// ProcessGroupGloo.hpp declares its class only under USE_C10D_GLOO (the wheel's libtorch_cpu is
// built with it). Gloo's own headers are not in the wheel: Debian's libgloo-dev provides them;
// only gloo types behind pointers are used, so its version need not match the bundled one.
#ifndef USE_C10D_GLOO  // TORCH_LIBRARIES' compile definitions set it already; kept for clarity
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cstring>
#include <map>

#include "nccl_backend.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"

namespace tessera::dist {

struct Group::Impl {
  LaunchEnvironment env;
  GroupOptions options;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;       // Gloo: host tensors (and CUDA ones without NCCL)
  c10::intrusive_ptr<c10d::Backend> cuda_backend;  // NCCL: CUDA tensors; null on a CPU run

  c10d::Backend& for_tensor(const torch::Tensor& tensor) {
    return tensor.is_cuda() && cuda_backend ? *cuda_backend : *backend;
  }
};

namespace {

// Runs one collective to completion; a failure (a dead peer, a timeout) becomes one clear line.
void wait_for(const c10::intrusive_ptr<c10d::Work>& work, const char* what, const LaunchEnvironment& env,
              std::chrono::milliseconds timeout) {
  try {
    work->wait(timeout);
  } catch (const std::exception& e) {
    std::string reason = e.what();
    if (const auto newline = reason.find('\n'); newline != std::string::npos) reason.resize(newline);
    throw UserError("distributed " + std::string(what) + " failed on rank " + std::to_string(env.rank) + " of " +
                    std::to_string(env.world_size) + " (another rank died, or none answered within " +
                    std::to_string(timeout.count() / 1000) + " s): " + reason);
  }
}

c10::intrusive_ptr<c10d::Store> connect_store(const LaunchEnvironment& env, const GroupOptions& options) {
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(env.master_port);
  store_options.timeout = options.timeout;
  if (env.use_agent_store) {
    // torchrun's agent hosts the store; every rank is a client, under the attempt's prefix
    // (torch/distributed/rendezvous.py does the same for Python trainers).
    store_options.isServer = false;
    auto store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    return c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restart_count), store);
  }
  store_options.isServer = env.is_main();
  store_options.numWorkers = env.world_size;
  store_options.waitWorkers = true;
  return c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
}

}  // namespace

Group::Group(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Group::~Group() {
  // NCCL's communicators end cleanly (without this it warns of a destroyed, unshut group).
  if (impl_ && impl_->cuda_backend) {
    try {
      impl_->cuda_backend->shutdown();
    } catch (const std::exception&) {  // a peer already gone: nothing left to tidy
    }
  }
}

std::unique_ptr<Group> Group::join(const LaunchEnvironment& env, const GroupOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->options = options;
  if (env.world_size > 1 && env.master_addr.empty()) {
    throw UserError("a " + std::to_string(env.world_size) + "-process group needs MASTER_ADDR and MASTER_PORT");
  }
  try {
    impl->store = env.world_size > 1 || env.use_agent_store
                      ? connect_store(env, options)
                      : c10::intrusive_ptr<c10d::Store>(c10::make_intrusive<c10d::HashStore>());
    auto gloo = c10d::ProcessGroupGloo::Options::create(options.timeout);
    // The interface that routes to MASTER_ADDR (what torch's init_process_group does too).
    gloo->devices.push_back(env.master_addr.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                                    : c10d::ProcessGroupGloo::createDeviceForHostname(env.master_addr));
    impl->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, gloo);
    if (options.device.is_cuda()) {
#ifdef TESSERA_WITH_NCCL
      impl->cuda_backend = detail::make_nccl_backend(impl->store, env.rank, env.world_size, options.timeout, options.device);
#else
      throw UserError("this build of tessera has no NCCL (nccl.h was not found when it was configured), so a "
                      "data-parallel run cannot use " + options.device.str() + "; rebuild with -DNCCL_INCLUDE_DIR=");
#endif
    }
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    std::string reason = e.what();
    if (const auto newline = reason.find('\n'); newline != std::string::npos) reason.resize(newline);
    throw UserError("cannot join the distributed group as " + describe(env) + ": " + reason);
  }
  return std::unique_ptr<Group>(new Group(std::move(impl)));
}

int Group::rank() const { return impl_->env.rank; }
int Group::size() const { return impl_->env.world_size; }
int Group::local_rank() const { return impl_->env.local_rank; }
std::string Group::backend() const { return impl_->cuda_backend ? "nccl" : "gloo"; }

void Group::broadcast_from_main(const std::vector<torch::Tensor>& tensors) {
  for (const auto& tensor : tensors) {
    std::vector<at::Tensor> one{tensor.detach()};
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    options.timeout = impl_->options.timeout;
    wait_for(impl_->for_tensor(tensor).broadcast(one, options), "broadcast", impl_->env, impl_->options.timeout);
  }
}

void Group::average_gradients(const std::vector<torch::Tensor>& parameters) {
  if (size() == 1) return;
  // Buckets per dtype, parameters in order, each up to bucket_bytes (one over-size parameter
  // makes a bucket of its own).
  std::map<c10::ScalarType, std::vector<std::vector<torch::Tensor>>> buckets;
  std::map<c10::ScalarType, std::size_t> filled;
  for (const auto& parameter : parameters) {
    if (!parameter.requires_grad()) continue;
    auto& grad = parameter.mutable_grad();
    if (!grad.defined()) grad = torch::zeros_like(parameter);
    const auto type = grad.scalar_type();
    const std::size_t bytes = static_cast<std::size_t>(grad.numel()) * grad.element_size();
    auto& list = buckets[type];
    if (list.empty() || filled[type] + bytes > impl_->options.bucket_bytes) {
      list.emplace_back();
      filled[type] = 0;
    }
    list.back().push_back(grad);
    filled[type] += bytes;
  }
  const double scale = 1.0 / static_cast<double>(size());
  for (auto& [type, list] : buckets) {
    for (auto& bucket : list) {
      std::vector<torch::Tensor> flat_parts;
      flat_parts.reserve(bucket.size());
      for (const auto& grad : bucket) flat_parts.push_back(grad.reshape({-1}));
      std::vector<at::Tensor> flat{torch::cat(flat_parts)};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      options.timeout = impl_->options.timeout;
      wait_for(impl_->for_tensor(flat[0]).allreduce(flat, options), "gradient all-reduce", impl_->env,
               impl_->options.timeout);
      flat[0].mul_(scale);
      std::int64_t offset = 0;
      for (auto& grad : bucket) {
        grad.copy_(flat[0].narrow(0, offset, grad.numel()).view_as(grad));
        offset += grad.numel();
      }
    }
  }
}

std::string Group::broadcast_text(const std::string& text) {
  if (size() == 1) return text;
  torch::Tensor length = torch::tensor({static_cast<std::int64_t>(is_main() ? text.size() : 0)}, torch::kInt64);
  broadcast_from_main({length});
  torch::Tensor bytes = torch::zeros({length.item<std::int64_t>()}, torch::kUInt8);
  if (is_main() && !text.empty()) std::memcpy(bytes.data_ptr<std::uint8_t>(), text.data(), text.size());
  broadcast_from_main({bytes});
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr<std::uint8_t>()), static_cast<std::size_t>(bytes.numel()));
}

std::vector<double> Group::sum(const std::vector<double>& values) {
  if (size() == 1 || values.empty()) return values;
  std::vector<at::Tensor> tensor{torch::tensor(values, torch::kFloat64)};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  options.timeout = impl_->options.timeout;
  wait_for(impl_->backend->allreduce(tensor, options), "metric all-reduce", impl_->env, impl_->options.timeout);
  const double* data = tensor[0].data_ptr<double>();
  return {data, data + tensor[0].numel()};
}

torch::Tensor Group::gather_rows(const torch::Tensor& rows) {
  if (!rows.defined() || rows.dim() != 2 || rows.scalar_type() != torch::kFloat64) {
    throw UserError("Group::gather_rows needs 2-D float64 rows");
  }
  const torch::Tensor mine = rows.to(torch::kCPU).contiguous();
  if (size() == 1) return mine;
  // How many rows each rank has (a sum of one-hot counts), and whether all agree on the width.
  std::vector<double> counts(static_cast<std::size_t>(size()) + 1, 0.0);
  counts[static_cast<std::size_t>(rank())] = static_cast<double>(mine.size(0));
  counts.back() = static_cast<double>(mine.size(1));
  counts = sum(counts);
  const std::int64_t columns = mine.size(1);
  if (counts.back() != static_cast<double>(columns * size())) {
    throw UserError("gather_rows: rank " + std::to_string(rank()) + " has rows of " + std::to_string(columns) +
                    " columns, another rank a different width");
  }
  std::int64_t longest = 0, total = 0;
  for (int r = 0; r < size(); ++r) {
    const auto n = static_cast<std::int64_t>(counts[static_cast<std::size_t>(r)]);
    longest = std::max(longest, n);
    total += n;
  }
  if (longest == 0 || columns == 0) return torch::zeros({total, columns}, torch::kFloat64);
  // Gloo's all-gather wants equal shapes: pad every rank's rows to the longest, then trim.
  torch::Tensor padded = torch::zeros({longest, columns}, torch::kFloat64);
  padded.narrow(0, 0, mine.size(0)).copy_(mine);
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < size(); ++r) gathered[0].push_back(torch::empty_like(padded));
  std::vector<at::Tensor> input{padded};
  c10d::AllgatherOptions options;
  options.timeout = impl_->options.timeout;
  wait_for(impl_->backend->allgather(gathered, input, options), "all-gather", impl_->env, impl_->options.timeout);
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < size(); ++r) {
    parts.push_back(gathered[0][static_cast<std::size_t>(r)].narrow(0, 0, static_cast<std::int64_t>(counts[static_cast<std::size_t>(r)])));
  }
  return torch::cat(parts);
}

void Group::barrier() {
  if (size() == 1) return;
  c10d::BarrierOptions options;
  options.timeout = impl_->options.timeout;
  wait_for(impl_->backend->barrier(options), "barrier", impl_->env, impl_->options.timeout);
}

std::unique_ptr<Group> join_if_launched(config::Distributed policy, const std::string& device) {
  if (policy == config::Distributed::off) return nullptr;
  const auto env = read_launch_environment();
  if (!env) return nullptr;
  GroupOptions options;
  if (resolve_device(device).is_cuda()) {
    options.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env->local_rank));
  }
  auto group = Group::join(*env, options);
  if (!group->is_main()) log::init("warn");
  return group;
}

}  // namespace tessera::dist
