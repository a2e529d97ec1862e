// (g) DICOM decode to float modality values (mask, sign-extend, rescale), files/s. The peer is
// bench/dicom_pydicom.py (pydicom dcmread + apply_modality_lut), run on the same files.
//
//   bench_dicom FILE [--copies 400] [--threads 1] [--rounds 3] [--j2k-threads 1]
//
// --j2k-threads: OpenJPEG's own threads inside each JPEG 2000 frame (io::set_jpeg2000_threads).
// Decodes FILE `copies` times per round with `threads` threads (each thread its own files, as
// the loader's workers do) and reports the best round: noise on a shared machine only slows a
// run down. The file is read from the page cache after the first round.
// Last line: "RESULT files_per_s=<best>".
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "tessera/io/dicom.h"

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const std::string file = args.positional(0, "");
  const long copies = args.get_int("copies", 400);
  const int threads = static_cast<int>(args.get_int("threads", 1));
  const long rounds = args.get_int("rounds", 3);
  tessera::io::set_jpeg2000_threads(static_cast<int>(args.get_int("j2k-threads", 1)));
  if (file.empty() || copies < 1 || threads < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: bench_dicom FILE [--copies N] [--threads T] [--rounds R] [--j2k-threads J]\n");
    return 2;
  }
  try {
    const auto first = tessera::io::decode_dicom(file);  // registers the codecs, checks the file
    std::printf("bench_dicom: %dx%d, %d frame(s), %s, %ld decodes x %ld rounds, %d thread(s)\n", first.meta.rows,
                first.meta.columns, first.meta.frames, first.meta.transfer_syntax_name.c_str(), copies, rounds,
                threads);
    double best = 0, checksum = 0;
    for (long round = 0; round < rounds; ++round) {
      std::atomic<long> next{0};
      std::vector<double> sums(static_cast<std::size_t>(threads), 0.0);
      const double t0 = bench::now_seconds();
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          while (next.fetch_add(1) < copies) sums[static_cast<std::size_t>(t)] += tessera::io::decode_dicom(file).values[0];
        });
      }
      for (auto& thread : pool) thread.join();
      const double rate = static_cast<double>(copies) / (bench::now_seconds() - t0);
      for (double s : sums) checksum += s;
      std::printf("  round %ld: %.1f files/s\n", round, rate);
      best = std::max(best, rate);
    }
    std::printf("(checksum %.1f)\nRESULT files_per_s=%.1f\n", checksum, best);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dicom: %s\n", e.what());
    return 1;
  }
  return 0;
}
