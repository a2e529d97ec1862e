// Data fingerprints: SHA-256 through OpenSSL against known digests, and the framing against
// Python's hashlib (tests/data/fingerprint_reference.py writes it again independently).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "models/test_util.h"
#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/data/dataset.h"
#include "tessera/data/fingerprint.h"
#include "tessera/data/sha256.h"

namespace tessera::data {
namespace {
namespace fs = std::filesystem;
using models::testing::python_has;
using models::testing::shell_quote;
using testing::TempDir;
using testing::write_text;

TEST(Sha256, KnownDigests) {
  ASSERT_TRUE(sha256_available());
  // FIPS 180-2 examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 pieces;
  pieces.update("ab");
  pieces.update("c");
  EXPECT_EQ(pieces.hex_digest(), sha256_hex("abc"));
  EXPECT_THROW(pieces.update("more"), std::logic_error);
}

// The Python reference's answer for `mode` and `path`, or null without Python.
nlohmann::json python_fingerprint(const std::string& mode, const fs::path& path) {
  const std::string python = TESSERA_PYTHON_EXE;
  if (python.empty()) return nullptr;
  const std::string command = shell_quote(python) + " " +
                              shell_quote(std::string(TESSERA_SOURCE_DIR) + "/tests/data/fingerprint_reference.py") +
                              " " + mode + " " + shell_quote(path.string());
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
  return out.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(out);
}

// A small image folder: the content need not decode, only the extension counts for listing.
void make_folder(const fs::path& root) {
  write_text(root / "cat" / "b.png", "second cat");
  write_text(root / "cat" / "a.png", "first cat");
  write_text(root / "dog" / "sub" / "c.jpg", std::string("dog\0with\0zeros", 14));
  write_text(root / "dog" / "d.bmp", "");
  write_text(root / "dog" / "notes.txt", "not an image: not listed, not hashed");
}

SplitFingerprint of_folder(const fs::path& root) { return fingerprint(fingerprint_items(load_image_folder(root)), "train"); }

TEST(Fingerprint, ImageFolderMatchesHashlib) {
  TempDir dir("fp");
  make_folder(dir / "set");
  const SplitFingerprint ours = of_folder(dir / "set");
  EXPECT_EQ(ours.files, 4);
  EXPECT_EQ(ours.bytes, 10 + 9 + 14 + 0);
  EXPECT_EQ(ours.sha256.size(), 64u);
  const auto items = fingerprint_items(load_image_folder(dir / "set"));
  EXPECT_EQ(items[0].name, "cat/a.png");
  EXPECT_EQ(items[2].name, "dog/d.bmp");
  EXPECT_EQ(items[3].name, "dog/sub/c.jpg");
  EXPECT_EQ(items[3].label, "dog");
  const auto python = python_fingerprint("folder", dir / "set");
  if (python.is_null()) GTEST_SKIP() << "no Python configured (TESSERA_PYTHON)";
  EXPECT_EQ(to_json(ours), python);
}

TEST(Fingerprint, ManifestAndTextMatchHashlib) {
  TempDir dir("fp");
  write_text(dir / "m" / "img" / "x.png", "x bytes");
  write_text(dir / "m" / "img" / "y.png", "y bytes!");
  write_text(dir / "m" / "list.csv", "path,label\nimg/y.png,b\nimg/x.png,a\n");
  const SplitFingerprint manifest = fingerprint(fingerprint_items(load_csv_manifest(dir / "m" / "list.csv")), "val");
  EXPECT_EQ(manifest.files, 2);
  write_text(dir / "t" / "b.txt", "second");
  write_text(dir / "t" / "a" / "z.txt", "first, in a folder");
  write_text(dir / "t" / ".hidden", "skipped");
  const SplitFingerprint text = fingerprint(text_fingerprint_items(dir / "t"), "train");
  const SplitFingerprint one = fingerprint(text_fingerprint_items(dir / "t" / "b.txt"), "train");
  EXPECT_EQ(text.files, 2);
  EXPECT_EQ(one.files, 1);
  const auto python_manifest = python_fingerprint("csv", dir / "m" / "list.csv");
  if (python_manifest.is_null()) GTEST_SKIP() << "no Python configured (TESSERA_PYTHON)";
  EXPECT_EQ(to_json(manifest), python_manifest);
  EXPECT_EQ(to_json(text), python_fingerprint("text", dir / "t"));
  EXPECT_EQ(to_json(one), python_fingerprint("text", dir / "t" / "b.txt"));
}

TEST(Fingerprint, RenamingEditingOrRelabellingAFileChangesIt) {
  TempDir dir("fp");
  make_folder(dir / "set");
  const std::string original = of_folder(dir / "set").sha256;

  fs::rename(dir / "set" / "cat" / "b.png", dir / "set" / "cat" / "b2.png");
  const std::string renamed = of_folder(dir / "set").sha256;
  EXPECT_NE(renamed, original);
  fs::rename(dir / "set" / "cat" / "b2.png", dir / "set" / "cat" / "b.png");
  EXPECT_EQ(of_folder(dir / "set").sha256, original) << "deterministic: the same files give the same hash";

  write_text(dir / "set" / "cat" / "a.png", "first cat!");  // one byte more
  EXPECT_NE(of_folder(dir / "set").sha256, original);
  write_text(dir / "set" / "cat" / "a.png", "first caT");  // same length, one byte changed
  EXPECT_NE(of_folder(dir / "set").sha256, original);
  write_text(dir / "set" / "cat" / "a.png", "first cat");
  EXPECT_EQ(of_folder(dir / "set").sha256, original);

  // The same file under another class (a relabelled sample).
  fs::create_directories(dir / "set" / "dog");
  fs::rename(dir / "set" / "cat" / "a.png", dir / "set" / "dog" / "a.png");
  EXPECT_NE(of_folder(dir / "set").sha256, original);
  fs::rename(dir / "set" / "dog" / "a.png", dir / "set" / "cat" / "a.png");

  // Moving the whole dataset elsewhere keeps its fingerprint: names are relative to the root.
  fs::rename(dir / "set", dir / "moved");
  EXPECT_EQ(of_folder(dir / "moved").sha256, original);
}

TEST(Fingerprint, AnUnreadableFileIsNamedByReferenceNotPath) {
  TempDir dir("fp");
  make_folder(dir / "set");
  const auto items = fingerprint_items(load_image_folder(dir / "set"));
  fs::remove(dir / "set" / "dog" / "d.bmp");
  try {
    fingerprint(items, "train");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("d.bmp"), std::string::npos) << message;
    EXPECT_EQ(message.find(dir.path().string()), std::string::npos) << message;
    EXPECT_NE(message.find("train sample #2"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tessera::data
