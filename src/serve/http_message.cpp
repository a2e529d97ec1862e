// The message helpers of http_server.h that every build has (the server itself needs Beast).
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "tessera/serve/http_server.h"

namespace tessera::serve {
namespace {

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return {};
}

HttpResponse error_response(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

void ResponseStream::write(std::string piece) {
  std::function<void()> ready;
  {
    const std::lock_guard lock(mutex_);
    if (closed_ || finished_ || piece.empty()) return;
    pending_ += piece;
    ready = std::exchange(ready_, nullptr);
  }
  if (ready) ready();
}

void ResponseStream::finish() {
  std::function<void()> ready;
  {
    const std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    ready = std::exchange(ready_, nullptr);
  }
  if (ready) ready();
}

bool ResponseStream::closed() const {
  const std::lock_guard lock(mutex_);
  return closed_;
}

std::string ResponseStream::take(bool& finished) {
  const std::lock_guard lock(mutex_);
  finished = finished_;
  return std::exchange(pending_, std::string());
}

void ResponseStream::on_ready(std::function<void()> ready) {
  {
    const std::lock_guard lock(mutex_);
    if (pending_.empty() && !finished_ && !closed_) {
      ready_ = std::move(ready);
      return;
    }
  }
  ready();
}

void ResponseStream::close() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  pending_.clear();
  ready_ = nullptr;
}

}  // namespace tessera::serve
