#pragma once
// bf16 autocast for one scope from C++ (torch.autocast(device, torch.bfloat16) in Python):
// enable + dtype + nesting on entry; on leaving, the previous state back and, at the outermost
// level, the cast cache cleared (it otherwise grows without bound, pytorch#46649). `cache` false
// is what PyTorch requires inside a CUDA graph capture.
#include <ATen/autocast_mode.h>

namespace bench {

class AutocastScope {
 public:
  AutocastScope(bool enabled, c10::DeviceType device, bool cache = true)
      : on_(enabled),
        device_(device),
        previous_cache_(at::autocast::is_autocast_cache_enabled()),
        previous_enabled_(at::autocast::is_autocast_enabled(device)),
        previous_dtype_(at::autocast::get_autocast_dtype(device)) {
    if (!on_) return;
    at::autocast::set_autocast_cache_enabled(cache);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!on_) return;
    at::autocast::set_autocast_enabled(device_, previous_enabled_);
    at::autocast::set_autocast_dtype(device_, previous_dtype_);
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_cache_enabled(previous_cache_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool on_;
  c10::DeviceType device_;
  bool previous_cache_, previous_enabled_;
  at::ScalarType previous_dtype_;
};

}  // namespace bench
