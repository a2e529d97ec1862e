// OpenCV's digits sheet: locating or fetching it, and slicing it into a class-folder dataset
// (slice_digits, shared by every cell format; prepare_digits writes PNG cells).
#include "tessera/data/digits.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/loader.h"
#include "digits_slicing.h"
#include "tessera/core/remove_tree.h"

namespace tessera::data {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSystemDigits = "/usr/share/doc/opencv-doc/examples/data/digits.png";
constexpr const char* kDebDigits = "./usr/share/doc/opencv-doc/examples/data/digits.png";
constexpr int kCell = 20, kColumns = 100, kRowsPerClass = 5, kClasses = 10;
constexpr int kPerClass = kColumns * kRowsPerClass;  // 500

fs::path cache_dir() {
  const char* env = std::getenv("TESSERA_CACHE");
  return (env && *env) ? fs::path(env) : fs::path("/opt/tessera/cache");
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `command` with bash (for pipefail); returns the exit status (-1 when it did not exit).
int run_shell(const std::string& command) {
  const std::string line = "bash -o pipefail -c " + shell_quote(command);
  const int status = std::system(line.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A private temporary folder, removed with everything in it when the object goes.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tessera-digits-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw UserError("cannot create a temporary folder in " + fs::temp_directory_path().string());
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    tessera::remove_tree(path, ec);
  }
};

std::string by_hand(const fs::path& target) {
  return "to do it by hand: apt-get update && apt-get download opencv-doc && dpkg-deb --fsys-tarfile "
         "opencv-doc_*.deb | tar -x -O " + std::string(kDebDigits) + " > " + target.string() +
         " (or install opencv-doc, or pass the sheet's path)";
}

PreparedCounts write_digits(const cv::Mat& sheet, const fs::path& sheet_path, const fs::path& out,
                            std::uint64_t seed, const DigitsSplit& split, const detail::DigitsFormat& format);

}  // namespace

fs::path locate_or_fetch_digits(const fs::path& source) {
  std::error_code ec;
  if (!source.empty()) {
    if (!fs::is_regular_file(source, ec)) throw UserError("digits sheet not found: " + source.string());
    return source;
  }
  if (fs::is_regular_file(kSystemDigits, ec)) return kSystemDigits;
  const fs::path cache = cache_dir();
  const fs::path target = cache / "digits.png";
  if (fs::is_regular_file(target, ec) && fs::file_size(target, ec) > 0) return target;

  fs::create_directories(cache, ec);
  if (ec) throw UserError("cannot create the cache folder " + cache.string() + ": " + ec.message() +
                          " (set TESSERA_CACHE to a writable folder)");
  log::info("fetching digits.png from Debian's opencv-doc package (about 95 MB) into ", cache.string());
  TempDir tmp;
  if (run_shell("cd " + shell_quote(tmp.path.string()) + " && apt-get download opencv-doc") != 0) {
    throw UserError("'apt-get download opencv-doc' failed (no network, or run 'apt-get update' first); " +
                    by_hand(target));
  }
  fs::path deb;
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("opencv-doc_", 0) == 0 && e.path().extension() == ".deb") deb = e.path();
  }
  if (deb.empty()) throw UserError("'apt-get download opencv-doc' left no opencv-doc_*.deb; " + by_hand(target));
  fs::path partial = target;
  partial += ".partial";
  const std::string extract = "dpkg-deb --fsys-tarfile " + shell_quote(deb.string()) + " | tar -x -O " +
                              shell_quote(kDebDigits) + " > " + shell_quote(partial.string());
  if (run_shell(extract) != 0 || !fs::is_regular_file(partial, ec) || fs::file_size(partial, ec) == 0) {
    fs::remove(partial, ec);
    throw UserError("extracting digits.png from " + deb.filename().string() + " failed; " + by_hand(target));
  }
  fs::rename(partial, target, ec);
  if (ec) throw UserError("cannot move the digits sheet into " + target.string() + ": " + ec.message());
  return target;
}

PreparedCounts prepare_digits(const fs::path& sheet_path, const fs::path& out, std::uint64_t seed,
                              DigitsSplit split) {
  detail::DigitsFormat png;
  png.dataset = "digits";
  png.extension = ".png";
  png.write_cell = [params = std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, 1}](const cv::Mat& cell, int,
                                                                               const fs::path& file) {
    if (!cv::imwrite(file.string(), cell, params)) throw UserError("cannot write " + file.string());
  };
  return detail::slice_digits(sheet_path, out, seed, split, png);
}

PreparedCounts detail::slice_digits(const fs::path& sheet_path, const fs::path& out_arg, std::uint64_t seed,
                                    const DigitsSplit& split, const DigitsFormat& format) {
  if (split.train_per_class < 0 || split.val_per_class < 0 || split.test_per_class < 0 ||
      split.train_per_class + split.val_per_class + split.test_per_class > kPerClass) {
    throw UserError("digits split " + std::to_string(split.train_per_class) + "/" +
                    std::to_string(split.val_per_class) + "/" + std::to_string(split.test_per_class) +
                    " per class must be non-negative and add up to at most 500");
  }
  std::error_code ec;
  if (!fs::is_regular_file(sheet_path, ec)) throw UserError("cannot read digits sheet " + sheet_path.string());
  const cv::Mat sheet = cv::imread(sheet_path.string(), cv::IMREAD_GRAYSCALE);
  if (sheet.empty()) throw DecodeError("cannot decode digits sheet " + sheet_path.string());
  if (sheet.cols != kColumns * kCell || sheet.rows != kClasses * kRowsPerClass * kCell) {
    throw UserError("digits sheet " + sheet_path.string() + " is " + std::to_string(sheet.cols) + "x" +
                    std::to_string(sheet.rows) + ", expected 2000x1000 (OpenCV's samples/data/digits.png)");
  }

  fs::path out = out_arg.lexically_normal();
  if (out.filename().empty()) out = out.parent_path();  // "dir/" -> "dir"
  try {
    return write_digits(sheet, sheet_path, out, seed, split, format);
  } catch (const fs::filesystem_error& e) {
    throw UserError("cannot write the digits dataset " + out.string() + ": " + e.what());
  }
}

namespace {

PreparedCounts write_digits(const cv::Mat& sheet, const fs::path& sheet_path, const fs::path& out,
                            std::uint64_t seed, const DigitsSplit& split, const detail::DigitsFormat& format) {
  fs::path tmp = out, old = out;
  tmp += ".tmp";
  old += ".old";
  tessera::remove_tree(tmp);
  if (!fs::exists(out)) tessera::remove_tree(old);  // leftovers of a run interrupted between the renames

  const char* split_names[3] = {"train", "val", "test"};
  const int per_split[3] = {split.train_per_class, split.val_per_class, split.test_per_class};
  std::size_t counts[3] = {0, 0, 0};
  for (const char* name : split_names) {
    for (int d = 0; d < kClasses; ++d) fs::create_directories(tmp / name / std::to_string(d));
  }
  for (int d = 0; d < kClasses; ++d) {
    // The class's 500 cells in a seeded order; the first ones go to train, then val, then test.
    const auto order = epoch_permutation(kPerClass, seed, d);
    std::size_t k = 0;
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < per_split[s]; ++i, ++k) {
        const int local = static_cast<int>(order[k]);
        const int row = d * kRowsPerClass + local / kColumns, col = local % kColumns;
        const int sheet_index = row * kColumns + col;
        const cv::Mat cell = sheet(cv::Rect(col * kCell, row * kCell, kCell, kCell));
        char name[16];
        std::snprintf(name, sizeof name, "%04d", sheet_index);
        format.write_cell(cell, sheet_index, tmp / split_names[s] / std::to_string(d) / (name + format.extension));
        ++counts[s];
      }
    }
  }
  std::ostringstream source;
  source << "OpenCV handwritten digits, sliced by `tessera prepare " << format.dataset << "`\n"
         << "source: " << fs::absolute(sheet_path).string() << " (Debian package opencv-doc, "
         << "/usr/share/doc/opencv-doc/examples/data/digits.png)\n"
         << "licence: MNIST-derived, CC BY-SA 3.0\n"
         << "seed: " << seed << "\n"
         << "split per class: train " << split.train_per_class << ", val " << split.val_per_class << ", test "
         << split.test_per_class << "\n"
         << "file names: <split>/<digit>/<NNNN>" << format.extension
         << ", NNNN = row * 100 + column of the 20x20 cell on the sheet\n";
  if (format.finish) source << format.finish(tmp);
  write_file_atomic(tmp / "SOURCE.txt", source.str());

  if (fs::exists(out)) {
    tessera::remove_tree(old);
    fs::rename(out, old);
  }
  fs::rename(tmp, out);
  tessera::remove_tree(old);
  return {counts[0], counts[1], counts[2]};
}

}  // namespace

}  // namespace tessera::data
