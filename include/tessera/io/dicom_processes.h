#pragma once
// DICOM decoding in worker processes. DCMTK (Debian's 3.6.7, built with threads) reads its parser
// flags through OFGlobal<T>::get(), which locks one process-wide mutex, and looks every tag up
// under the global data-dictionary lock: threads decoding in one process queue on those locks for
// every element, and two threads reach only ~1.5x one on small files (bench/RESULTS.md (g)), while
// two processes reach ~1.9x. So the batch loader hands each DICOM decode to one of these.
//
// Each worker is a fork() of this process taken when the pool is built (or when a dead worker is
// replaced), talking over a Unix socket pair: the request is the kind of decode and the path, the
// answer the allowlisted metadata and the pixels, or the error's class and message. A worker that
// crashes on a file (a DCMTK bug on a hostile file) costs that one decode, reported as a
// DecodeError, not the run; the next call that finds the slot dead forks a fresh worker.
//
// Build the pool before the process starts decoding DICOM on other threads: a fork() copies only
// the calling thread, and a DCMTK lock held by another thread at that moment would stay locked in
// the child. Workers never touch torch, CUDA or the logger; they only decode and answer.
//
// Thread-safe: any number of threads may call decode*() at once; each call takes a free worker
// (waiting for one when all are busy), so N threads over N workers never wait on each other.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

#include <sys/types.h>

#include "tessera/io/dicom.h"

namespace tessera::io {

class DicomDecodeProcesses {
 public:
  // Forks `processes` workers (at least 1). Throws std::system_error when fork or socketpair fail.
  explicit DicomDecodeProcesses(int processes);
  // Closes every socket, kills and reaps every worker: no zombies, no orphans, even mid-decode.
  ~DicomDecodeProcesses();
  DicomDecodeProcesses(const DicomDecodeProcesses&) = delete;
  DicomDecodeProcesses& operator=(const DicomDecodeProcesses&) = delete;

  // As io::decode_dicom / io::decode_dicom_stored, with the same exceptions and messages
  // (DecodeError, UserError, std::runtime_error), done by a worker process. A worker that dies
  // during the call gives DecodeError("the DICOM decode worker process died (signal N) ...").
  DicomImage decode(const std::filesystem::path& path);
  DicomStored decode_stored(const std::filesystem::path& path);

  int size() const { return static_cast<int>(workers_.size()); }
  // The workers' process ids, for tests (kill one, check reaping).
  std::vector<pid_t> pids() const;

 private:
  struct Worker {
    pid_t pid = -1;
    int socket = -1;  // the parent's end; -1 once the worker is gone
    bool busy = false;
  };
  std::size_t acquire();
  void release(std::size_t slot);
  void spawn(Worker& worker);
  void retire(Worker& worker);  // after a failed exchange: close, kill, reap; the next acquire respawns
  template <typename Answer>
  Answer exchange(std::uint8_t kind, const std::filesystem::path& path);

  mutable std::mutex mutex_;
  std::condition_variable free_cv_;
  std::vector<Worker> workers_;
};

}  // namespace tessera::io
