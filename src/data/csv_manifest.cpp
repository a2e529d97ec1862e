// CSV manifests: "path,label" rows, one image per line (RFC 4180 quoting, no multi-line fields).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/data/dataset.h"
#include "tessera/io/dicom.h"
#include "tessera/io/file_kind.h"

namespace tessera::data {
namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits one line into fields. Unquoted fields are trimmed; quoted fields are taken verbatim
// ("" is a literal quote). Returns nullopt (with `error` set) on a malformed line.
std::optional<std::vector<std::string>> split_csv_line(const std::string& line, std::string& error) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < n && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            closed = true;
            ++i;
            break;
          }
        } else {
          field += line[i++];
        }
      }
      if (!closed) {
        error = "unterminated quoted field";
        return std::nullopt;
      }
      while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < n && line[i] != ',') {
        error = "unexpected text after a quoted field";
        return std::nullopt;
      }
    } else {
      const auto comma = line.find(',', i);
      const std::size_t stop = comma == std::string::npos ? n : comma;
      field = trim(line.substr(i, stop - i));
      if (field.find('"') != std::string::npos) {
        error = "a quote inside an unquoted field (quote the whole field and double the quote)";
        return std::nullopt;
      }
      i = stop;
    }
    fields.push_back(std::move(field));
    if (i >= n) break;
    ++i;  // the comma
  }
  return fields;
}

}  // namespace

ClassificationDataset load_csv_manifest(const fs::path& csv, const std::vector<std::string>& classes) {
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw UserError("cannot read manifest " + csv.string());
  const fs::path base = csv.parent_path();
  auto where = [&](std::size_t line_no) { return csv.string() + ":" + std::to_string(line_no); };

  struct Row {
    std::string path, label;
    std::size_t line;
  };
  std::vector<Row> rows;
  std::optional<std::size_t> path_col, label_col;
  std::size_t columns = 0;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    std::string error;
    auto fields = split_csv_line(line, error);
    if (!fields) throw UserError(where(line_no) + ": " + error);
    if (columns == 0) {  // the header
      columns = fields->size();
      for (std::size_t c = 0; c < fields->size(); ++c) {
        const std::string& name = (*fields)[c];
        if (name == "path" && !path_col) path_col = c;
        if (name == "label" && !label_col) label_col = c;
      }
      if (!path_col) {
        throw UserError(where(line_no) + ": the header must name a 'path' column (expected \"path,label\")");
      }
      continue;
    }
    if (fields->size() != columns) {
      throw UserError(where(line_no) + ": " + std::to_string(fields->size()) + " fields, the header has " +
                      std::to_string(columns));
    }
    Row row{(*fields)[*path_col], label_col ? (*fields)[*label_col] : std::string(), line_no};
    if (row.path.empty()) throw UserError(where(line_no) + ": empty path");
    if (label_col && row.label.empty()) throw UserError(where(line_no) + ": empty label");
    rows.push_back(std::move(row));
  }
  if (in.bad()) throw UserError("cannot read manifest " + csv.string());
  if (columns == 0) throw UserError("manifest " + csv.string() + " is empty (expected a \"path,label\" header)");
  if (rows.empty()) throw UserError("manifest " + csv.string() + " lists no images");

  ClassificationDataset ds;
  ds.root = csv;
  if (!classes.empty()) {
    ds.classes = classes;
  } else if (label_col) {
    std::set<std::string> distinct;
    for (const auto& r : rows) distinct.insert(r.label);
    ds.classes.assign(distinct.begin(), distinct.end());
  }
  std::unordered_map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < ds.classes.size(); ++i) {
    if (!index.emplace(ds.classes[i], static_cast<std::int64_t>(i)).second) {
      throw UserError("class '" + ds.classes[i] + "' is listed twice (manifest " + csv.string() + ")");
    }
  }

  ds.samples.reserve(rows.size());
  for (const auto& r : rows) {
    fs::path p(r.path);
    if (p.is_relative()) p = base / p;
    std::int64_t label = -1;
    if (label_col) {
      const auto it = index.find(r.label);
      if (it == index.end()) {
        throw UserError(where(r.line) + ": label '" + r.label + "' is not one of the " +
                        std::to_string(ds.classes.size()) + " known classes");
      }
      label = it->second;
    }
    if (const std::string why = io::not_a_regular_file(p); !why.empty()) {
      // A DICOM path may hold a patient's name: the line number identifies it instead.
      const std::string problem = why == "no such file" ? "not found" : why;
      throw UserError(where(r.line) + (io::has_dicom_extension(p) ? ": DICOM file " + problem + " (path withheld)"
                                                                   : ": image " + problem + ": " + p.string()));
    }
    ds.samples.push_back({std::move(p), label});
  }
  return ds;
}

}  // namespace tessera::data
