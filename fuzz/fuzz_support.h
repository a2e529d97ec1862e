#pragma once
// Helpers shared by the libFuzzer targets in fuzz/ (see tools/fuzz.sh).
//
// Outcome policy, the same for every target: the documented failures of the API under test
// (tessera::UserError and its subclasses DecodeError, ConfigError, CorruptCheckpoint) are caught
// by the target; anything else escapes and is a finding: a crash, an ASan or UBSan report, an
// exception of another type (std::terminate), a failed FUZZ_CHECK, a hang (-timeout) or an
// allocation beyond -rss_limit_mb.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

// An invariant of the API under test; on failure the input is a finding (abort -> crash file).
#define FUZZ_CHECK(condition, ...)                                                         \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, "  %s\n", std::string(__VA_ARGS__).c_str());                   \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace tessera::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A scratch file private to this process (tmpfs when there is one), for APIs that take a path.
// Rewritten for every input; removed at exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) {
    const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    path_ = dir / ("tessera-fuzz-" + std::to_string(::getpid()) + "-" + name);
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& write(std::string_view bytes) const {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::perror("fuzz: cannot open the scratch file");
      std::abort();  // the environment, not the input; stop rather than report false results
    }
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        std::perror("fuzz: cannot write the scratch file");
        std::abort();
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return path_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tessera::fuzz
