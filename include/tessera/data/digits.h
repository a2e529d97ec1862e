#pragma once
// OpenCV's handwritten digits sheet (digits.png, from Debian's opencv-doc package) turned into an
// image-folder dataset: the default image classification demo. The sheet is 2000x1000 grey,
// 5000 digits of 20x20 in 50 rows of 100; digit d fills rows 5d..5d+4. MNIST-derived, CC BY-SA 3.0.
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace tessera::data {

struct DigitsSplit {
  int train_per_class = 400, val_per_class = 50, test_per_class = 50;  // sum <= 500
};

// Finds digits.png: `source` when given (a UserError if it does not exist), else
// /usr/share/doc/opencv-doc/examples/data/digits.png, else <cache>/digits.png with cache =
// $TESSERA_CACHE or /opt/tessera/cache. When none exists it is fetched into the cache with
// `apt-get download opencv-doc` (about 95 MB, in a temporary folder) and `dpkg-deb --fsys-tarfile`
// piped into `tar -x -O`; every step's exit code is checked and a failure is a UserError saying
// what failed and the commands to run by hand.
std::filesystem::path locate_or_fetch_digits(const std::filesystem::path& source = {});

struct PreparedCounts {
  std::size_t train = 0, val = 0, test = 0;
};

// Slices the sheet into <out>/{train,val,test}/<digit>/<NNNN>.png, NNNN being the digit's index on
// the sheet (row * 100 + column), with a seeded per-class split (stratified, same for a given seed
// on every platform). The dataset is written into "<out>.tmp" and renamed into place, so an
// interrupted run never leaves a half dataset and re-running replaces the old one. Also writes
// <out>/SOURCE.txt (source file, licence, seed, split). A sheet that is not 2000x1000 or a split
// that asks for more than 500 per class is a UserError.
PreparedCounts prepare_digits(const std::filesystem::path& sheet, const std::filesystem::path& out,
                              std::uint64_t seed = 0, DigitsSplit split = {});

}  // namespace tessera::data
