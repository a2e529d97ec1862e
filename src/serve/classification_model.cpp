#include "tessera/serve/classification_model.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <thread>
#include <utility>

#include "tessera/core/compute.h"
#include "tessera/core/cores.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/encoded_samples.h"

namespace tessera::serve {
namespace {

// "DICM" after the 128-byte preamble: a DICOM file; anything else goes to the image decoders.
bool looks_like_dicom(const std::string& bytes) { return bytes.size() >= 132 && bytes.compare(128, 4, "DICM") == 0; }

// Triton's classification extension: "score:index:label", best first.
std::vector<std::string> top_classes(const float* p, std::size_t classes, int k,
                                     const std::vector<std::string>& names) {
  std::vector<std::size_t> order(classes);
  for (std::size_t c = 0; c < classes; ++c) order[c] = c;
  const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(k), classes);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                    [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keep; ++i) {
    char score[32];
    std::snprintf(score, sizeof score, "%f", static_cast<double>(p[order[i]]));
    out.push_back(std::string(score) + ":" + std::to_string(order[i]) + ":" + names[order[i]]);
  }
  return out;
}

}  // namespace

BatcherOptions batcher_options(const config::ServeConfig& settings) {
  BatcherOptions o;
  o.max_batch = settings.max_batch;
  o.max_queue_delay =
      std::chrono::microseconds(static_cast<std::int64_t>(std::llround(settings.max_queue_delay_ms * 1000)));
  o.queue_capacity = static_cast<std::size_t>(settings.queue_capacity);
  o.executors = settings.executors;
  return o;
}

ClassificationModel::ClassificationModel(std::string name, std::unique_ptr<tasks::ClassificationTask> task,
                                         const config::ServeConfig& settings, std::unique_ptr<LiveDrift> drift)
    : name_(std::move(name)),
      task_(std::move(task)),
      drift_(std::move(drift)),
      timeout_(static_cast<std::int64_t>(std::llround(settings.request_timeout_s * 1000))) {
  task_->module().eval();
  const data::LoaderOptions options = task_->loader_options(tasks::Split::test);
  images_ = std::make_unique<data::EncodedSamples>(false, options);
  try {
    dicom_ = std::make_unique<data::EncodedSamples>(true, options);
  } catch (const UserError& e) {  // e.g. an RGB run with per-channel mean/std
    no_dicom_ = std::string("this run cannot take DICOM input: ") + e.what();
  }
  capacity_ = static_cast<std::size_t>(settings.queue_capacity);
  reporters_ = std::make_unique<WorkerPool>(drift_ ? static_cast<std::size_t>(usable_cores()) : 1);
  decoders_ = std::make_unique<WorkerPool>(
      static_cast<std::size_t>(settings.threads.automatic ? usable_cores() : settings.threads.count));
  batcher_ = std::make_unique<DynamicBatcher<Work, InferOutcome>>(
      batcher_options(settings), [this](std::vector<Work>& batch) { return run_batch(batch); },
      [this](const BatchRecord& record) {
        if (observers_.batch) observers_.batch(record);
      });
}

// The decoders first: what they still hold is queued, then the batcher answers everything, all
// before the task goes.
ClassificationModel::~ClassificationModel() {
  decoders_.reset();
  batcher_.reset();
  reporters_.reset();
}

// New requests are refused; those already accepted (decoding or queued) are still answered.
void ClassificationModel::shutdown() { stopping_ = true; }

void ClassificationModel::decode(const std::vector<std::string>& encoded, Work& work) const {
  work.decoded.resize(encoded.size());
  work.is_dicom.assign(encoded.size(), 0);
  for (std::size_t k = 0; k < encoded.size(); ++k) {
    work.is_dicom[k] = looks_like_dicom(encoded[k]) ? 1 : 0;
    if (work.is_dicom[k] && !dicom_) {
      work.decoded[k].failure = no_dicom_;
    } else {
      work.decoded[k] = (work.is_dicom[k] ? *dicom_ : *images_).decode(encoded[k], k);
    }
  }
}

nlohmann::json ClassificationModel::metadata() const {
  const auto classes = static_cast<std::int64_t>(task_->classes().size());
  return {{"name", name_},
          {"versions", {"1"}},
          {"platform", "tessera_libtorch"},
          {"inputs", {{{"name", "image"}, {"datatype", "BYTES"}, {"shape", {-1}}}}},
          {"outputs",
           {{{"name", "probabilities"}, {"datatype", "FP32"}, {"shape", {-1, classes}}},
            {{"name", "label"}, {"datatype", "BYTES"}, {"shape", {-1}}},
            {{"name", "error"}, {"datatype", "BYTES"}, {"shape", {-1}}}}},
          {"parameters", {{"classes", task_->classes()}}}};
}

Refusal ClassificationModel::infer(InferRequest request, std::function<void(InferOutcome)> done) {
  if (request.inputs.size() != 1) {
    throw ProtocolError("model '" + name_ + "' takes one input (BYTES: encoded images), got " +
                        std::to_string(request.inputs.size()));
  }
  Tensor& input = request.inputs[0];
  const bool column = input.shape.size() == 2 && input.shape[1] == 1;
  if (input.datatype != DataType::BYTES || !(input.shape.size() == 1 || column)) {
    throw ProtocolError("input '" + input.name + "' must be BYTES of shape [n] or [n, 1] (encoded images), got " +
                        data_type_name(input.datatype) + " of " + std::to_string(input.shape.size()) + " dimensions");
  }
  RequestedOutput classification;
  for (const RequestedOutput& out : request.outputs) {
    if (out.name == "probabilities" && out.classification > 0) classification = out;
  }
  // The decoders' backlog counts against serve.queue_capacity like the queue itself.
  if (stopping_) return Refusal::shutting_down;
  if (decoding_.load() + batcher_->queued() >= capacity_) return Refusal::queue_full;
  ++decoding_;
  const Clock::time_point deadline = Clock::now() + timeout_;
  auto encoded = std::make_shared<std::vector<std::string>>(std::move(input.elements));
  decoders_->post([this, encoded, classification, deadline, done = std::move(done)] {
    Work work;
    work.classification = classification;
    try {
      decode(*encoded, work);
    } catch (...) {  // not a bad image (those are per-element failures): the request fails, 500
      --decoding_;
      return done({{}, std::current_exception()});
    }
    const Admission admission = batcher_->submit(
        std::move(work),
        [done](DynamicBatcher<Work, InferOutcome>::Outcome o) {
          if (o.error) return done({{}, o.error});
          done(std::move(*o.response));
        },
        deadline);
    --decoding_;
    if (admission != Admission::accepted) done({{}, std::make_exception_ptr(RequestRefused(admission))});
  });
  return Refusal::none;
}

void ClassificationModel::report(const std::vector<data::DecodedSample>& decoded, const std::vector<char>& is_dicom,
                                 const std::vector<float>& probabilities) {
  const auto& names = task_->classes();
  const std::size_t classes = names.size();
  for (std::size_t k = 0; k < decoded.size(); ++k) {
    const float* p = probabilities.data() + k * classes;
    if (observers_.prediction && !std::isnan(p[0])) {
      observers_.prediction(names[static_cast<std::size_t>(std::max_element(p, p + classes) - p)]);
    }
    if (!drift_) continue;
    if (auto snapshot = drift_->observe(decoded[k], is_dicom[k] != 0, p, classes)) {
      if (snapshot->drift) {
        std::string features;
        for (const auto& f : snapshot->drifting) features += (features.empty() ? "" : ", ") + f;
        log::warn("serve: model '", name_, "': the last ", snapshot->images, " images drifted from the training data (",
                  features, ")");
      }
      if (observers_.drift) observers_.drift(*snapshot);
    }
  }
}

std::vector<InferOutcome> ClassificationModel::run_batch(std::vector<Work>& batch) {
  // Every element of every request, in order (decoded already, by the decoders).
  std::vector<data::DecodedSample> decoded;
  std::vector<char> is_dicom;
  for (Work& w : batch) {
    std::move(w.decoded.begin(), w.decoded.end(), std::back_inserter(decoded));
    is_dicom.insert(is_dicom.end(), w.is_dicom.begin(), w.is_dicom.end());
  }
  const std::size_t n = decoded.size();
  const std::size_t classes = task_->classes().size();
  std::vector<float> probabilities(n * classes, std::numeric_limits<float>::quiet_NaN());
  std::vector<std::string> errors(n);

  const c10::InferenceMode inference;
  for (const bool kind : {false, true}) {
    std::vector<const data::DecodedSample*> group;
    std::vector<std::size_t> positions;
    for (std::size_t k = 0; k < n; ++k) {
      if (static_cast<bool>(is_dicom[k]) != kind) continue;
      group.push_back(&decoded[k]);
      positions.push_back(k);
    }
    if (group.empty()) continue;
    if (kind && !dicom_) {
      for (std::size_t k : positions) errors[k] = no_dicom_;
      continue;
    }
    const data::EncodedSamples& samples = kind ? *dicom_ : *images_;
    const data::Batch assembled = samples.assemble(group, task_->device().is_cuda());
    for (const data::Failure& f : assembled.failures) errors[positions[f.index]] = f.reason;
    if (assembled.size() == 0) continue;
    torch::Tensor logits;
    {
      const AutocastScope autocast(task_->compute());
      logits = task_->forward(task_->to_inputs(assembled, samples.options()));
    }
    const torch::Tensor p = torch::softmax(logits.to(torch::kFloat32), 1).cpu().contiguous();
    for (std::int64_t row = 0; row < p.size(0); ++row) {
      const std::size_t k = positions[assembled.indices[static_cast<std::size_t>(row)]];
      std::memcpy(probabilities.data() + k * classes, p.data_ptr<float>() + row * static_cast<std::int64_t>(classes),
                  classes * sizeof(float));
    }
  }

  // Off the executor: drift measures every pixel of every image, which would hold up the next
  // batch's forward pass (on a GPU, tens of ms for a batch of large images).
  auto reported = std::make_shared<Reported>(Reported{std::move(decoded), std::move(is_dicom), probabilities});
  reporters_->post([this, reported] { report(reported->decoded, reported->is_dicom, reported->probabilities); });

  std::vector<InferOutcome> outcomes;
  std::size_t at = 0;
  const auto& names = task_->classes();
  for (const Work& w : batch) {
    const std::size_t count = w.is_dicom.size();
    const auto rows = static_cast<std::int64_t>(count);
    std::vector<std::string> labels(count), reasons(count);
    std::vector<std::string> top;
    for (std::size_t i = 0; i < count; ++i) {
      const float* p = probabilities.data() + (at + i) * classes;
      reasons[i] = errors[at + i];
      if (reasons[i].empty() && !std::isnan(p[0])) {
        labels[i] = names[static_cast<std::size_t>(std::max_element(p, p + classes) - p)];
      }
      if (w.classification.classification > 0) {
        std::vector<std::string> row = top_classes(p, classes, w.classification.classification, names);
        top.insert(top.end(), row.begin(), row.end());
      }
    }
    InferOutcome outcome;
    if (w.classification.classification > 0) {
      const auto k = static_cast<std::int64_t>(
          std::min<std::size_t>(static_cast<std::size_t>(w.classification.classification), classes));
      outcome.outputs.push_back(bytes_tensor("probabilities", {rows, k}, std::move(top)));
    } else {
      Tensor t{"probabilities",         DataType::FP32, {rows, static_cast<std::int64_t>(classes)}, {}, {},
               nlohmann::json::object()};
      t.raw.assign(reinterpret_cast<const char*>(probabilities.data() + at * classes), count * classes * sizeof(float));
      outcome.outputs.push_back(std::move(t));
    }
    outcome.outputs.push_back(bytes_tensor("label", {rows}, std::move(labels)));
    outcome.outputs.push_back(bytes_tensor("error", {rows}, std::move(reasons)));
    outcomes.push_back(std::move(outcome));
    at += count;
  }
  return outcomes;
}

}  // namespace tessera::serve
