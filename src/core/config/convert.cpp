// Conversions from YAML nodes to the field types configs use. Each returns "" on success, or a
// description of what was expected for the error message.
#include <cmath>
#include <limits>

#include "tessera/core/config/reader.h"

namespace tessera::config::detail {
namespace {

template <class T>
std::string scalar(const YAML::Node& node, T& out, const char* expected) {
  if (!node.IsScalar()) return expected;
  try {
    out = node.as<T>();
  } catch (const YAML::Exception&) {
    return expected;
  }
  return "";
}

}  // namespace

std::string convert(const YAML::Node& node, std::string& out) { return scalar(node, out, "a string"); }

std::string convert(const YAML::Node& node, bool& out) { return scalar(node, out, "true or false"); }

std::string convert(const YAML::Node& node, int& out) { return scalar(node, out, "an integer"); }

std::string convert(const YAML::Node& node, std::int64_t& out) { return scalar(node, out, "an integer"); }

std::string convert(const YAML::Node& node, std::uint64_t& out) {
  if (node.IsScalar() && !node.Scalar().empty() && node.Scalar()[0] == '-') return "a non-negative integer";
  return scalar(node, out, "a non-negative integer");
}

std::string convert(const YAML::Node& node, double& out) {
  const std::string error = scalar(node, out, "a number");
  if (error.empty() && !std::isfinite(out)) return "a finite number";
  return error;
}

std::string convert(const YAML::Node& node, std::vector<double>& out) {
  std::vector<double> values;
  if (node.IsScalar()) {  // a single number is a one-element list
    double value = 0;
    if (!convert(node, value).empty()) return "a list of numbers";
    values.push_back(value);
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      double value = 0;
      if (!convert(item, value).empty()) return "a list of numbers";
      values.push_back(value);
    }
  } else {
    return "a list of numbers";
  }
  out = std::move(values);
  return "";
}

std::string convert(const YAML::Node& node, std::vector<std::string>& out) {
  if (!node.IsSequence()) return "a list of strings";
  std::vector<std::string> values;
  for (const auto& item : node) {
    if (!item.IsScalar()) return "a list of strings";
    values.push_back(item.Scalar());
  }
  out = std::move(values);
  return "";
}

std::string convert(const YAML::Node& node, Size2& out) {
  const char* expected = "a size: one integer or [height, width]";
  int height = 0, width = 0;
  if (node.IsScalar()) {
    if (!convert(node, height).empty()) return expected;
    width = height;
  } else if (node.IsSequence() && node.size() == 2) {
    if (!convert(node[0], height).empty() || !convert(node[1], width).empty()) return expected;
  } else {
    return expected;
  }
  out = {height, width};
  return "";
}

std::string convert(const YAML::Node& node, ClassWeights& out) {
  if (node.IsScalar() && node.Scalar() == "balanced") {
    out = {true, {}};
    return "";
  }
  std::vector<double> values;
  if (!node.IsSequence() || !convert(node, values).empty()) return "'balanced' or a list of per-class weights";
  out = {false, std::move(values)};
  return "";
}

std::string convert(const YAML::Node& node, Window& out) {
  std::string names;
  for (const auto& name : window_names()) names += (names.empty() ? "" : ", ") + name;
  const std::string expected = "a window name (" + names + ") or [centre, width]";
  if (node.IsScalar()) {
    std::string name;
    if (!convert(node, name).empty() || name.empty()) return expected;
    out = {name, 0.0, 0.0};
    return "";
  }
  std::vector<double> values;
  if (!node.IsSequence() || !convert(node, values).empty() || values.size() != 2) return expected;
  out = {"", values[0], values[1]};
  return "";
}

std::string convert(const YAML::Node& node, ThreadCount& out) {
  constexpr const char* expected = "a number of threads or auto";
  std::string text;
  if (!node.IsScalar() || !convert(node, text).empty()) return expected;
  if (text == "auto") {
    out = {true, 0};
    return "";
  }
  int count = 0;
  if (!convert(node, count).empty()) return expected;
  out = {false, count};
  return "";
}

void emit(YAML::Emitter& out, const ThreadCount& value) {
  if (value.automatic) out << "auto";
  else out << value.count;
}

void emit(YAML::Emitter& out, const Window& value) {
  if (value.is_explicit()) {
    emit(out, std::vector<double>{value.center, value.width});
  } else {
    out << value.name;
  }
}

void emit(YAML::Emitter& out, const Size2& value) {
  out << YAML::Flow << YAML::BeginSeq << value.height << value.width << YAML::EndSeq;
}

void emit(YAML::Emitter& out, const ClassWeights& value) {
  if (value.balanced) {
    out << "balanced";
  } else {
    emit(out, value.values);
  }
}

void emit(YAML::Emitter& out, const std::vector<double>& value) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double v : value) out << v;
  out << YAML::EndSeq;
}

void emit(YAML::Emitter& out, const std::vector<std::string>& value) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : value) out << v;
  out << YAML::EndSeq;
}

}  // namespace tessera::config::detail
