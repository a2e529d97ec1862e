// Fused CUDA preprocessing kernels (ops::preprocess_images / preprocess_medical) against the
// device-to-device copy bandwidth measured in the same run. The torchvision peer is
// bench/preprocess_torchvision.py (same inputs, same semantics); bench/run_gpu.sh runs both.
//
//   bench_preprocess [--batch 256] [--iters 50] [--warmup 10] [--rounds 5] [--json PATH]
//                 [--cases preprocess_images_f32_nchw,preprocess_images_bf16_nchw,preprocess_images_f32_nhwc,
//                         preprocess_medical_f32]
//                 [--copy-mib 1024] [--dump DIR [--dump-batch 4]] [--device cuda|cpu]
//
// Cases (every sample the same size, packed back to back in one device buffer, random content):
//   preprocess_images_*  500x375 (W x H) u8 RGB -> bilinear resize straight to 224x224 (no antialias, the
//               centre window of the resized image is all of it) -> (x/255 - mean)/std, ImageNet
//               mean/std; float32 NCHW, bf16 NCHW, float32 NHWC (channels_last strides).
//   preprocess_medical_f32 512x512 int16 (signed, 16 bits stored; CT-like slope 1, intercept -1024, linear
//               window centre 40 / width 400) -> 224x224 float32, one channel, (y - 0.5)/0.25.
// Timing: CUDA events around `iters` back-to-back calls on torch's current stream after `warmup`
// calls; `rounds` such groups, the median round is reported (the per-call wall time on the host
// is reported too: it includes the launch and parameter upload). Bytes: the unique input bytes
// the kernel must read (32-byte sectors of the source rows the bilinear taps touch; for these
// sizes every row of a 500x375 image and 7/8 of a 512x512 one) plus the output bytes written.
// The copy reference is `dst.copy_(src)` of a --copy-mib buffer: bytes read + written.
// Inputs are 144 MB (image) and 134 MB (medical), above an H100/H200 L2 (50/60 MB).
//
// --dump DIR writes the first --dump-batch samples' inputs and outputs (raw little-endian files
// plus dump.json) so that preprocess_torchvision.py --check DIR can compare the peer's values with
// ours. With --device cpu only the dump runs, through the CPU reference (no timing): that is how
// the peer's semantics are checked on a machine without a GPU.
//
// Without a CUDA device (and without --device cpu) it prints one line and exits 3.
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace ops = tessera::ops;
namespace fs = std::filesystem;

namespace {

constexpr int kImageH = 375, kImageW = 500, kImageC = 3;
constexpr int kMedicalSize = 512;
constexpr int kOut = 224;

struct Case {
  std::string name;
  bool medical = false;
  ops::OutputFormat format;
  std::string what;
};

std::vector<Case> all_cases() {
  return {
      {"preprocess_images_f32_nchw",
       false,
       {torch::kFloat32, ops::Layout::nchw},
       "500x375 u8 RGB -> 224x224 float32 NCHW"},
      {"preprocess_images_bf16_nchw",
       false,
       {torch::kBFloat16, ops::Layout::nchw},
       "500x375 u8 RGB -> 224x224 bf16 NCHW"},
      {"preprocess_images_f32_nhwc",
       false,
       {torch::kFloat32, ops::Layout::nhwc},
       "500x375 u8 RGB -> 224x224 float32 NHWC"},
      {"preprocess_medical_f32",
       true,
       {torch::kFloat32, ops::Layout::nchw},
       "512x512 int16 CT -> 224x224 float32 (window 40/400)"},
  };
}

ops::ImagePreprocessSpec image_spec() {
  ops::ImagePreprocessSpec spec;
  spec.resize_h = spec.resize_w = kOut;
  spec.out_h = spec.out_w = kOut;
  spec.mean = {0.485f, 0.456f, 0.406f};
  spec.std = {0.229f, 0.224f, 0.225f};
  return spec;
}

ops::MedicalPreprocessSpec medical_spec() {
  ops::MedicalPreprocessSpec spec;
  spec.resize_h = spec.resize_w = kOut;
  spec.out_h = spec.out_w = kOut;
  spec.mean = 0.5f;
  spec.std = 0.25f;
  spec.out_channels = 1;
  return spec;
}

ops::MedicalIntensity ct_intensity() {
  ops::MedicalIntensity m;
  m.bits_stored = 16;
  m.is_signed = true;
  m.slope = 1.0f;
  m.intercept = -1024.0f;
  m.window_center = 40.0f;
  m.window_width = 400.0f;
  m.function = ops::VoiFunction::linear;
  return m;
}

// Random packed inputs, generated on the CPU from a fixed seed (so a dump is reproducible).
torch::Tensor image_values(long batch) {
  torch::manual_seed(0);
  return torch::randint(0, 256, {batch * kImageH * kImageW * kImageC}, torch::kUInt8);
}
torch::Tensor medical_values(long batch) {
  torch::manual_seed(1);
  // Stored CT words: HU = stored - 1024, so [0, 3072) covers air to dense bone; the window
  // [-160, 240] HU clips most of it, as with real scans.
  return torch::randint(0, 3072, {batch * kMedicalSize * kMedicalSize}, torch::kInt16);
}

ops::PackedBatch pack(const torch::Tensor& values, long batch, int h, int w, int c) {
  ops::PackedBatch packed;
  packed.values = values;
  packed.channels = c;
  for (long i = 0; i < batch; ++i) packed.sources.push_back({i * static_cast<std::int64_t>(h) * w * c, h, w});
  return packed;
}

torch::Tensor run_case(const Case& k, const ops::PackedBatch& batch) {
  const auto n = batch.sources.size();
  if (k.medical) {
    const auto spec = medical_spec();
    const auto geometry = ops::geometry_of(spec);
    const std::vector<ops::MedicalIntensity> intensities(n, ct_intensity());
    const std::vector<ops::SampleParams> params(n, ops::center_crop(geometry, kMedicalSize, kMedicalSize));
    return ops::preprocess_medical(batch, spec, intensities, params, k.format);
  }
  const auto spec = image_spec();
  const std::vector<ops::SampleParams> params(n, ops::center_crop(spec, kImageH, kImageW));
  return ops::preprocess_images(batch, spec, params, k.format);
}

// Source rows/columns that half-pixel bilinear taps read (src = (dst + 0.5) * in/out - 0.5,
// clamped at 0; taps floor(src) and floor(src) + 1 clamped to the last index).
std::vector<int> taps(int in, int out) {
  std::set<int> used;
  const double scale = static_cast<double>(in) / out;
  for (int d = 0; d < out; ++d) {
    const double s = std::max(0.0, (d + 0.5) * scale - 0.5);
    const int i0 = std::min(static_cast<int>(s), in - 1);
    used.insert(i0);
    used.insert(std::min(i0 + 1, in - 1));
  }
  return {used.begin(), used.end()};
}

// Unique bytes read from one source: 32-byte sectors (the DRAM access granularity) holding a
// tapped pixel of a tapped row. `base` is the source's byte offset in the buffer (alignment).
double touched_bytes(std::int64_t base, int h, int w, int c, int elem, int out_h, int out_w) {
  const auto rows = taps(h, out_h);
  const auto cols = taps(w, out_w);
  std::int64_t total = 0;
  for (int y : rows) {
    std::set<std::int64_t> sectors;
    for (int x : cols) {
      const std::int64_t first = base + (static_cast<std::int64_t>(y) * w + x) * c * elem;
      const std::int64_t last = first + c * elem - 1;
      for (std::int64_t s = first / 32; s <= last / 32; ++s) sectors.insert(s);
    }
    total += static_cast<std::int64_t>(sectors.size()) * 32;
  }
  return static_cast<double>(total);
}

struct Timing {
  double event_ms = 0;  // per call, median round, CUDA events
  double wall_ms = 0;   // per call, same round, host clock (launch + parameter upload included)
};

Timing time_calls(const std::function<void()>& call, long warmup, long iters, long rounds) {
  const auto stream = c10::cuda::getCurrentCUDAStream();
  for (long i = 0; i < warmup; ++i) call();
  stream.synchronize();
  std::vector<Timing> all;
  for (long r = 0; r < rounds; ++r) {
    at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
    const double t0 = bench::now_seconds();
    start.record(stream);
    for (long i = 0; i < iters; ++i) call();
    stop.record(stream);
    stop.synchronize();
    const double t1 = bench::now_seconds();
    all.push_back({static_cast<double>(start.elapsed_time(stop)) / iters, 1000.0 * (t1 - t0) / iters});
  }
  std::sort(all.begin(), all.end(), [](const Timing& a, const Timing& b) { return a.event_ms < b.event_ms; });
  return all[all.size() / 2];
}

void write_file(const fs::path& path, const torch::Tensor& t) {
  const auto c = t.cpu().contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kUInt8: return "uint8";
    case torch::kInt16: return "int16";
    default: return "other";
  }
}

// First `n` samples through every case, on `device`: inputs and outputs as raw files. Outputs
// are written in logical NCHW order whatever their layout (the layout itself is checked here).
nlohmann::json dump(const fs::path& dir, const std::vector<Case>& cases, long n, const torch::Device& device) {
  fs::create_directories(dir);
  const auto image_in = image_values(n);
  const auto medical_in = medical_values(n);
  write_file(dir / "image_input.bin", image_in);
  write_file(dir / "medical_input.bin", medical_in);
  const auto image_batch = pack(image_in.to(device), n, kImageH, kImageW, kImageC);
  const auto medical_batch = pack(medical_in.to(device), n, kMedicalSize, kMedicalSize, 1);
  nlohmann::json manifest = {
      {"device", device.str()},
      {"batch", n},
      {"image_input", {{"file", "image_input.bin"}, {"dtype", "uint8"}, {"shape", {n, kImageH, kImageW, kImageC}}}},
      {"medical_input",
       {{"file", "medical_input.bin"}, {"dtype", "int16"}, {"shape", {n, kMedicalSize, kMedicalSize}}}},
      {"outputs", nlohmann::json::object()}};
  for (const auto& k : cases) {
    const auto out = run_case(k, k.medical ? medical_batch : image_batch);
    const bool nhwc = k.format.layout == ops::Layout::nhwc;
    const bool layout_ok = nhwc ? out.is_contiguous(at::MemoryFormat::ChannelsLast) : out.is_contiguous();
    const std::string file = k.name + ".bin";
    // bf16 is written as its raw 16-bit words; the reader widens them to float32.
    write_file(dir / file, out.contiguous());
    manifest["outputs"][k.name] = {{"file", file},
                                   {"dtype", dtype_name(out.scalar_type())},
                                   {"shape", out.sizes().vec()},
                                   {"layout", nhwc ? "nhwc" : "nchw"},
                                   {"layout_ok", layout_ok}};
  }
  std::ofstream(dir / "dump.json") << manifest.dump(2) << "\n";
  return manifest;
}

std::vector<Case> select_cases(const std::string& list) {
  const auto known = all_cases();
  if (list.empty() || list == "all") return known;
  std::vector<Case> chosen;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const auto it = std::find_if(known.begin(), known.end(), [&](const Case& k) { return k.name == name; });
    if (it == known.end()) throw std::invalid_argument("unknown case '" + name + "'");
    chosen.push_back(*it);
  }
  return chosen;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const long batch = args.get_int("batch", 256);
  const long iters = args.get_int("iters", 50);
  const long warmup = args.get_int("warmup", 10);
  const long rounds = std::max(1L, args.get_int("rounds", 5));
  const long copy_mib = args.get_int("copy-mib", 1024);
  const long dump_batch = args.get_int("dump-batch", 4);
  const std::string json_path = args.get("json", "");
  const std::string dump_dir = args.get("dump", "");
  const std::string device_name = args.get("device", "cuda");

  try {
    const auto cases = select_cases(args.get("cases", "all"));
    if (device_name == "cpu") {
      if (dump_dir.empty()) {
        std::fprintf(stderr, "bench_preprocess: --device cpu only writes a --dump (there is nothing to time)\n");
        return 2;
      }
      dump(dump_dir, cases, dump_batch, torch::kCPU);
      std::printf("bench_preprocess: CPU reference dump of %ld samples in %s\n", dump_batch, dump_dir.c_str());
      return 0;
    }
    if (!torch::cuda::is_available()) {
      std::printf("bench_preprocess: no CUDA device (torch::cuda::is_available() is false); nothing measured\n");
      return 3;
    }
    if (!ops::cuda_kernels_built()) {
      std::printf("bench_preprocess: this build has no CUDA kernels (configure with -DTESSERA_WITH_CUDA=ON)\n");
      return 3;
    }
    const torch::Device cuda(torch::kCUDA, 0);
    const auto* props = at::cuda::getCurrentDeviceProperties();
    const std::string card = props->name;
    const double l2_mb = props->l2CacheSize / 1e6;
    std::printf("bench_preprocess: %s (L2 %.0f MB), batch %ld, %ld calls x %ld rounds after %ld warm-up\n",
                card.c_str(), l2_mb, batch, iters, rounds, warmup);

    nlohmann::json report = {{"benchmark", "kernels"}, {"card", card},     {"l2_mb", l2_mb},
                             {"torch", TORCH_VERSION}, {"batch", batch},   {"iters", iters},
                             {"rounds", rounds},       {"warmup", warmup}, {"cases", nlohmann::json::object()}};

    // Device-to-device copy bandwidth on this card, now.
    {
      const auto bytes = copy_mib << 20;
      auto src = torch::randint(0, 256, {bytes}, torch::TensorOptions().dtype(torch::kUInt8).device(cuda));
      auto dst = torch::empty_like(src);
      const auto t = time_calls([&] { dst.copy_(src); }, 3, std::max(5L, iters / 5), rounds);
      const double gbps = 2.0 * static_cast<double>(bytes) / (t.event_ms * 1e6);
      report["copy"] = {{"mib", copy_mib}, {"ms", t.event_ms}, {"gb_per_s", gbps}};
      std::printf("  device copy: %ld MiB in %.3f ms = %.0f GB/s (read + write)\n", copy_mib, t.event_ms, gbps);
    }
    const double copy_gbps = report["copy"]["gb_per_s"];

    const auto image_batch = pack(image_values(batch).to(cuda), batch, kImageH, kImageW, kImageC);
    const auto medical_batch = pack(medical_values(batch).to(cuda), batch, kMedicalSize, kMedicalSize, 1);
    std::printf("\n  %-28s %10s %9s %9s %9s %8s %7s\n", "case", "images/s", "ms/batch", "wall ms", "GB/s", "% copy",
                "target");
    for (const auto& k : cases) {
      const auto& packed = k.medical ? medical_batch : image_batch;
      const int h = k.medical ? kMedicalSize : kImageH, w = k.medical ? kMedicalSize : kImageW;
      const int c = k.medical ? 1 : kImageC, elem = k.medical ? 2 : 1;
      double read = 0;
      for (const auto& s : packed.sources) read += touched_bytes(s.offset * elem, h, w, c, elem, kOut, kOut);
      const double whole = static_cast<double>(batch) * h * w * c * elem;
      torch::Tensor out = run_case(k, packed);
      const double written = static_cast<double>(out.nbytes());
      const auto t = time_calls([&] { out = run_case(k, packed); }, warmup, iters, rounds);
      const double gbps = (read + written) / (t.event_ms * 1e6);
      const double images = batch / (t.event_ms / 1000.0);
      const double pct = 100.0 * gbps / copy_gbps;
      std::printf("  %-28s %10.0f %9.3f %9.3f %9.0f %7.1f%% %7s\n", k.name.c_str(), images, t.event_ms, t.wall_ms, gbps,
                  pct, ">= 70%");
      report["cases"][k.name] = {{"what", k.what},
                                 {"images_per_s", images},
                                 {"ms_per_batch", t.event_ms},
                                 {"wall_ms_per_batch", t.wall_ms},
                                 {"input_bytes_read", read},
                                 {"input_bytes_whole_sources", whole},
                                 {"output_bytes", written},
                                 {"gb_per_s", gbps},
                                 {"percent_of_copy", pct},
                                 {"target_percent_of_copy", 70.0},
                                 {"output_dtype", dtype_name(out.scalar_type())},
                                 {"output_shape", out.sizes().vec()}};
    }
    if (!dump_dir.empty()) {
      report["dump"] = dump(dump_dir, cases, dump_batch, cuda);
      std::printf("\n  dumped %ld samples of each case into %s\n", dump_batch, dump_dir.c_str());
    }
    if (!json_path.empty()) {
      std::ofstream(json_path) << report.dump(2) << "\n";
      std::printf("  wrote %s\n", json_path.c_str());
    }
    const double first = report["cases"].empty() ? 0.0 : report["cases"].begin().value()["images_per_s"].get<double>();
    std::printf("RESULT images_per_s=%.1f\n", first);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_preprocess: %s\n", e.what());
    return 1;
  }
  return 0;
}
