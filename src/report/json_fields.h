#pragma once
// Lenient reads of the report JSON: the pages render whatever is present, so a missing key, a
// null or a value of the wrong type gives "absent" (std::nullopt, NaN, "") instead of throwing.
// Report files written by older versions of Tessera, or edited by hand, still render.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::report::detail {

using nlohmann::json;

inline const json* member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(std::string(key));
  return it == j.end() ? nullptr : &*it;
}

inline const json* object_at(const json& j, std::string_view key) {
  const json* m = member(j, key);
  return m && m->is_object() ? m : nullptr;
}

inline const json* array_at(const json& j, std::string_view key) {
  const json* m = member(j, key);
  return m && m->is_array() ? m : nullptr;
}

inline std::optional<double> number_at(const json& j, std::string_view key) {
  const json* m = member(j, key);
  if (!m || !m->is_number()) return std::nullopt;
  const double v = m->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

inline std::string text_at(const json& j, std::string_view key, std::string fallback = "") {
  const json* m = member(j, key);
  if (!m || m->is_null()) return fallback;
  if (m->is_string()) return m->get<std::string>();
  if (m->is_boolean()) return m->get<bool>() ? "true" : "false";
  if (m->is_number()) return m->dump();
  return fallback;
}

// An array of numbers; nulls and non-numbers become NaN (a gap).
inline std::vector<double> numbers_at(const json& j, std::string_view key) {
  std::vector<double> out;
  if (const json* a = array_at(j, key)) {
    out.reserve(a->size());
    for (const auto& v : *a) out.push_back(v.is_number() ? v.get<double>() : NAN);
  }
  return out;
}

// A computed value as an optional: NaN (from a missing input, via value_or(NAN)) is absent.
inline std::optional<double> finite_or_none(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

// Display forms; "–" for an absent value.
inline std::string fixed_or_dash(std::optional<double> v, int digits = 4) {
  if (!v) return "\xE2\x80\x93";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, *v);
  return buffer;
}

inline std::string percent_or_dash(std::optional<double> v, int digits = 2) {
  if (!v) return "\xE2\x80\x93";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f%%", digits, 100.0 * *v);
  return buffer;
}

inline std::string integer_or_dash(std::optional<double> v) {
  if (!v) return "\xE2\x80\x93";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.0f", *v);
  return buffer;
}

}  // namespace tessera::report::detail
