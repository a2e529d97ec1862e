#include "archive_bounds.h"

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "pickle_bounds.h"

namespace tessera::run {
namespace {

// Inflating can expand at most 1032:1 (RFC 1951: 258 bytes from a 2-bit code at best).
constexpr std::size_t kDeflateMaxRatio = 1032;

class StringReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit StringReadAdapter(const std::string& bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    const std::size_t count = std::min<std::size_t>(n, bytes_.size() - pos);
    std::memcpy(buf, bytes_.data() + pos, count);
    return count;
  }

 private:
  const std::string& bytes_;
};

bool is_pickle(std::string_view name) { return name.ends_with(".pkl") || name.ends_with("_pkl"); }

}  // namespace

std::optional<std::string> archive_bounds_problem(const std::string& archive) {
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<StringReadAdapter>(archive));
  const std::size_t largest = archive.size() * kDeflateMaxRatio;
  for (const std::string& name : reader.getAllRecords()) {
    const std::size_t size = reader.getRecordSize(name);
    if (size > largest) {
      return "record " + name + " states " + std::to_string(size) + " bytes, more than a " +
             std::to_string(archive.size()) + "-byte archive can hold";
    }
    if (!is_pickle(name)) continue;
    const auto [data, length] = reader.getRecord(name);
    const std::string_view pickle(static_cast<const char*>(data.get()), length);
    if (auto problem = pickle_bounds_problem(pickle)) return "record " + name + ": " + *problem;
  }
  return std::nullopt;
}

}  // namespace tessera::run
