#pragma once
// Error types shared by every module. The CLI maps them to exit codes:
//   UserError     -> 1: something the user can fix (bad config, missing or unreadable input).
//                      The message is one line that names the file or key at fault.
//   anything else -> 2: a bug or an environment failure inside Tessera.
#include <stdexcept>
#include <string>

namespace tessera {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file that exists but cannot be decoded (corrupt image, truncated DICOM). Loaders that can
// skip such files catch this type only, so real bugs still surface.
class DecodeError : public UserError {
 public:
  using UserError::UserError;
};

}  // namespace tessera
