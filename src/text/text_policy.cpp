#include "tessera/text/text_policy.h"

#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

// keep_bytes: normalise each well-formed run on its own and copy ill-formed bytes through. An
// ill-formed byte is not a character, so no composition could have spanned it anyway.
std::string normalise_around_invalid_bytes(std::string_view input, Normalization form, EncodeReport* report) {
  std::string out;
  out.reserve(input.size());
  std::size_t run_start = 0;
  std::size_t i = 0;
  std::size_t kept = 0;
  while (i < input.size()) {
    const Utf8Step step = decode_step(input, i);
    if (step.problem == Utf8Problem::none) {
      i += step.length;
      continue;
    }
    out += normalize(input.substr(run_start, i - run_start), form);
    out.append(input.substr(i, step.length));
    kept += step.length;
    i += step.length;
    run_start = i;
  }
  out += normalize(input.substr(run_start), form);
  if (report) report->kept_bytes += kept;
  return out;
}

}  // namespace

std::string prepare_text(std::string_view input, const TextPolicy& policy, EncodeReport* report) {
  if (policy.malformed == MalformedInput::keep_bytes && !is_valid_utf8(input)) {
    return normalise_around_invalid_bytes(input, policy.normalization, report);
  }
  const Utf8Policy utf8_policy = policy.malformed == MalformedInput::replace ? Utf8Policy::replace : Utf8Policy::error;
  std::size_t replaced = 0;
  const std::string valid = to_valid_utf8(input, utf8_policy, &replaced);
  if (report) report->replaced_sequences += replaced;
  return normalize(valid, policy.normalization);
}

std::string_view to_string(MalformedInput policy) {
  switch (policy) {
    case MalformedInput::error: return "error";
    case MalformedInput::replace: return "replace";
    case MalformedInput::keep_bytes: return "keep_bytes";
  }
  return "error";
}

std::optional<MalformedInput> parse_malformed_input(std::string_view name) {
  if (name == "error") return MalformedInput::error;
  if (name == "replace") return MalformedInput::replace;
  if (name == "keep_bytes") return MalformedInput::keep_bytes;
  return std::nullopt;
}

}  // namespace tessera::text
