#pragma once
// Data fingerprints: one SHA-256 per split over what the model learned from, so a run says which
// data it saw and a changed file (renamed, edited, relabelled, added, removed) is noticed.
//
// Framing, version 1. For each sample, in dataset order (the order the loader indexes):
//   u64le(len(name))  name  u64le(len(label))  label  u64le(len(content))  content
// where u64le is an unsigned 64-bit little-endian byte count and
//   name     the sample's path relative to the dataset root, '/'-separated, as the file system's
//            bytes (root: the image folder; for a CSV manifest, the folder holding the CSV; for
//            text, the folder, or for a single file its own folder, so the name is the file name)
//   label    the class name (a folder name or a manifest label); empty when unlabelled or text
//   content  the file's bytes
// The hash is SHA-256 of that byte stream (OpenSSL's libcrypto, data/sha256.h). Moving a dataset
// to another place keeps its fingerprint; renaming, editing or relabelling one file changes it.
// Paths never reach a log or an error message here: a file that cannot be read is named by an
// opaque reference (data::opaque_reference), since medical paths often hold patient names.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/data/dataset.h"

namespace tessera::data {

struct FingerprintItem {
  std::filesystem::path path;  // where the content is read from
  std::string name;            // the relative name that is hashed
  std::string label;
};

struct SplitFingerprint {
  std::int64_t files = 0;
  std::int64_t bytes = 0;      // content bytes (the framing not counted)
  std::string sha256;          // 64 lowercase hex digits
};

// The items of a classification dataset, in its order, named relative to its root.
std::vector<FingerprintItem> fingerprint_items(const ClassificationDataset& dataset);

// The items of a text split as data::read_documents reads them: the file itself, or every regular
// file under the folder (recursively, hidden ones skipped) sorted by path. UserError naming the
// path when it is neither a file nor a folder (text paths are not patient data).
std::vector<FingerprintItem> text_fingerprint_items(const std::filesystem::path& file_or_folder);

// Hashes `items` with the framing above. `what` labels the progress line ("train"); UserError
// naming the item by opaque reference when a file cannot be read, and the UserError of
// data::Sha256 when the build has no OpenSSL.
SplitFingerprint fingerprint(const std::vector<FingerprintItem>& items, const std::string& what);

// {"files": n, "bytes": n, "sha256": "hex"}
nlohmann::json to_json(const SplitFingerprint& fingerprint);

}  // namespace tessera::data
