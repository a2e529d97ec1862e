#pragma once
// Private to io: the byte format between DicomDecodeProcesses and its workers (same machine, same
// binary, so native byte order and no versioning). Frames are a u64 length then the payload.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "tessera/io/dicom.h"

namespace tessera::io::detail {

// Appends plain values and length-prefixed byte runs to a string.
class WireWriter {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_bytes(const void* data, std::size_t size) {
    put<std::uint64_t>(size);
    bytes_.append(static_cast<const char*>(data), size);
  }
  void put_string(const std::string& text) { put_bytes(text.data(), text.size()); }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Reads what WireWriter wrote; throws std::runtime_error on a short or malformed message.
class WireReader {
 public:
  explicit WireReader(const std::string& bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  // Returns the start of a length-prefixed run and its size.
  const char* get_bytes(std::size_t& size) {
    size = static_cast<std::size_t>(get<std::uint64_t>());
    return take(size);
  }
  std::string get_string() {
    std::size_t size = 0;
    const char* data = get_bytes(size);
    return std::string(data, size);
  }

 private:
  const char* take(std::size_t size) {
    if (size > bytes_.size() - offset_) throw std::runtime_error("malformed message from a DICOM decode worker");
    const char* at = bytes_.data() + offset_;
    offset_ += size;
    return at;
  }
  const std::string& bytes_;
  std::size_t offset_ = 0;
};

void put_metadata(WireWriter& out, const DicomMetadata& meta);
DicomMetadata get_metadata(WireReader& in);

}  // namespace tessera::io::detail
