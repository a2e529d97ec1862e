#include "tessera/io/dicom_processes.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <string>
#include <system_error>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dicom_wire.h"
#include "tessera/core/error.h"

namespace tessera::io {
namespace {

constexpr std::uint8_t kDecodeFloat = 0, kDecodeStored = 1;
enum class Outcome : std::uint8_t { ok, decode_error, user_error, other_error };

// Every parent-side socket of every pool in this process. A fork copies all of them into the new
// worker, which closes them at once: a copy left open there would keep another worker from ever
// seeing its parent go away. Guarded by registry_mutex, which spawn() holds across fork(), so the
// child's copy of the set is consistent (it reads it without locking: it has no other threads).
std::mutex registry_mutex;
std::set<int>& parent_sockets() {
  static std::set<int> sockets;
  return sockets;
}

bool send_all(int socket, const char* data, std::size_t size) {
  while (size > 0) {
    // MSG_NOSIGNAL: a dead peer gives EPIPE here, not a SIGPIPE that would kill the trainer.
    const ssize_t sent = ::send(socket, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

bool receive_all(int socket, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t got = ::recv(socket, data, size, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;  // 0: the peer closed
    data += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

bool send_frame(int socket, const std::string& payload) {
  const std::uint64_t size = payload.size();
  return send_all(socket, reinterpret_cast<const char*>(&size), sizeof size) &&
         send_all(socket, payload.data(), payload.size());
}

bool receive_frame(int socket, std::string& payload) {
  std::uint64_t size = 0;
  if (!receive_all(socket, reinterpret_cast<char*>(&size), sizeof size)) return false;
  payload.resize(static_cast<std::size_t>(size));
  return receive_all(socket, payload.data(), payload.size());
}

// The worker's answer to one request: the decode's result, or the class and text of its error.
std::string answer(const std::string& request) {
  detail::WireWriter out;
  try {
    detail::WireReader in(request);
    const auto kind = in.get<std::uint8_t>();
    const std::filesystem::path path = in.get_string();
    if (kind == kDecodeStored) {
      const DicomStored stored = decode_dicom_stored(path);
      out.put(Outcome::ok);
      detail::put_metadata(out, stored.meta);
      out.put_bytes(stored.words.data(), stored.words.size() * sizeof(std::uint16_t));
    } else {
      const DicomImage image = decode_dicom(path);
      out.put(Outcome::ok);
      detail::put_metadata(out, image.meta);
      out.put<std::int32_t>(image.channels);
      out.put_bytes(image.values.data(), image.values.size() * sizeof(float));
    }
    return out.take();
  } catch (const DecodeError& e) {
    out = {};
    out.put(Outcome::decode_error);
    out.put_string(e.what());
  } catch (const UserError& e) {
    out = {};
    out.put(Outcome::user_error);
    out.put_string(e.what());
  } catch (const std::exception& e) {
    out = {};
    out.put(Outcome::other_error);
    out.put_string(e.what());
  }
  return out.take();
}

[[noreturn]] void worker_main(int socket) {
  // Ctrl-C and SIGTERM go to the whole process group; the parent decides what happens then, and
  // its exit (or ~DicomDecodeProcesses) closes the socket, which ends this loop.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  for (const int inherited : parent_sockets()) ::close(inherited);
  // Ready: the parent waits for this, so once a pool is built no worker holds a stray socket.
  const char ready = 'R';
  if (!send_all(socket, &ready, 1)) ::_exit(0);
  std::string request;
  while (receive_frame(socket, request)) {
    if (!send_frame(socket, answer(request))) break;
  }
  // _exit, not exit: the parent's atexit handlers and static destructors (torch's among them)
  // belong to the parent.
  ::_exit(0);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    const char* name = ::sigabbrev_np(signal_number);
    return "signal " + std::to_string(signal_number) + (name ? std::string(" SIG") + name : std::string());
  }
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  return "status " + std::to_string(status);
}

template <typename Answer>
Answer read_answer(const std::string& payload);

template <>
DicomStored read_answer<DicomStored>(const std::string& payload) {
  detail::WireReader in(payload);
  in.get<Outcome>();
  DicomStored stored;
  stored.meta = detail::get_metadata(in);
  std::size_t bytes = 0;
  const char* words = in.get_bytes(bytes);
  stored.words.resize(bytes / sizeof(std::uint16_t));
  std::memcpy(stored.words.data(), words, stored.words.size() * sizeof(std::uint16_t));
  return stored;
}

template <>
DicomImage read_answer<DicomImage>(const std::string& payload) {
  detail::WireReader in(payload);
  in.get<Outcome>();
  DicomImage image;
  image.meta = detail::get_metadata(in);
  image.channels = in.get<std::int32_t>();
  std::size_t bytes = 0;
  const char* values = in.get_bytes(bytes);
  image.values.resize(bytes / sizeof(float));
  std::memcpy(image.values.data(), values, image.values.size() * sizeof(float));
  return image;
}

// Rethrows a worker's error as the same class with the same message.
void rethrow_error(const std::string& payload) {
  detail::WireReader in(payload);
  const auto outcome = in.get<Outcome>();
  const std::string message = in.get_string();
  switch (outcome) {
    case Outcome::decode_error: throw DecodeError(message);
    case Outcome::user_error: throw UserError(message);
    default: throw std::runtime_error(message);
  }
}

}  // namespace

DicomDecodeProcesses::DicomDecodeProcesses(int processes) : workers_(static_cast<std::size_t>(std::max(1, processes))) {
  try {
    for (Worker& worker : workers_) spawn(worker);
  } catch (...) {
    for (Worker& worker : workers_) retire(worker);
    throw;
  }
}

DicomDecodeProcesses::~DicomDecodeProcesses() {
  std::lock_guard lock(mutex_);
  for (Worker& worker : workers_) retire(worker);
}

void DicomDecodeProcesses::spawn(Worker& worker) {
  int sockets[2];
  std::lock_guard registry(registry_mutex);
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create a socket for a DICOM decode worker");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(sockets[0]);
    ::close(sockets[1]);
    throw std::system_error(error, std::generic_category(), "cannot start a DICOM decode worker process");
  }
  if (pid == 0) {
    ::close(sockets[0]);
    worker_main(sockets[1]);
  }
  ::close(sockets[1]);
  parent_sockets().insert(sockets[0]);
  worker.pid = pid;
  worker.socket = sockets[0];
  char ready = 0;
  if (!receive_all(worker.socket, &ready, 1) || ready != 'R') {
    parent_sockets().erase(worker.socket);
    ::close(worker.socket);
    worker.socket = -1;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    worker.pid = -1;
    throw std::runtime_error("a DICOM decode worker process did not start");
  }
}

void DicomDecodeProcesses::retire(Worker& worker) {
  if (worker.socket >= 0) {
    std::lock_guard registry(registry_mutex);
    parent_sockets().erase(worker.socket);
    ::close(worker.socket);
    worker.socket = -1;
  }
  if (worker.pid > 0) {
    ::kill(worker.pid, SIGKILL);  // mid-decode is fine: nobody wants its answer any more
    while (::waitpid(worker.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    worker.pid = -1;
  }
}

std::size_t DicomDecodeProcesses::acquire() {
  std::unique_lock lock(mutex_);
  std::size_t slot = 0;
  free_cv_.wait(lock, [&] {
    for (slot = 0; slot < workers_.size(); ++slot) {
      if (!workers_[slot].busy) return true;
    }
    return false;
  });
  Worker& worker = workers_[slot];
  worker.busy = true;
  if (worker.socket < 0) {  // died on an earlier file: a fresh one
    try {
      spawn(worker);
    } catch (...) {
      worker.busy = false;
      throw;
    }
  }
  return slot;
}

void DicomDecodeProcesses::release(std::size_t slot) {
  {
    std::lock_guard lock(mutex_);
    workers_[slot].busy = false;
  }
  free_cv_.notify_one();
}

template <typename Answer>
Answer DicomDecodeProcesses::exchange(std::uint8_t kind, const std::filesystem::path& path) {
  const std::size_t slot = acquire();
  // The slot is ours until release(): the worker is read and written without the lock.
  Worker& worker = workers_[slot];
  detail::WireWriter request;
  request.put(kind);
  request.put_string(path.string());
  std::string payload;
  if (!send_frame(worker.socket, request.take()) || !receive_frame(worker.socket, payload)) {
    // The worker died during this decode: find out how, replace it on next use, report the file.
    int status = 0;
    {
      std::lock_guard lock(mutex_);
      ::kill(worker.pid, SIGKILL);  // no effect when it died on its own: then `status` says how
      while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
      }
      worker.pid = -1;
      retire(worker);
    }
    release(slot);
    throw DecodeError("the DICOM decode worker process died (" + describe_exit(status) + ") while decoding this file");
  }
  release(slot);
  if (payload.empty()) throw std::runtime_error("empty message from a DICOM decode worker");
  if (static_cast<Outcome>(payload[0]) != Outcome::ok) rethrow_error(payload);
  return read_answer<Answer>(payload);
}

DicomImage DicomDecodeProcesses::decode(const std::filesystem::path& path) {
  return exchange<DicomImage>(kDecodeFloat, path);
}

DicomStored DicomDecodeProcesses::decode_stored(const std::filesystem::path& path) {
  return exchange<DicomStored>(kDecodeStored, path);
}

std::vector<pid_t> DicomDecodeProcesses::pids() const {
  std::lock_guard lock(mutex_);
  std::vector<pid_t> pids;
  for (const Worker& worker : workers_) pids.push_back(worker.pid);
  return pids;
}

}  // namespace tessera::io
