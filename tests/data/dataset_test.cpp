// Image-folder and CSV-manifest datasets. The files only need the right names here: nothing is decoded.
#include "tessera/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "support/temp_dir.h"
#include "tessera/core/error.h"

namespace tessera::data {
namespace {

using tessera::testing::TempDir;
using tessera::testing::write_text;
namespace fs = std::filesystem;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UserError";
  return {};
}

void make_folder(const TempDir& t) {
  write_text(t / "root/dog/b.png", "x");
  write_text(t / "root/dog/a.jpg", "x");
  write_text(t / "root/dog/nested/deeper/c.JPEG", "x");
  write_text(t / "root/dog/notes.txt", "not an image");
  write_text(t / "root/dog/.hidden.png", "x");
  write_text(t / "root/cat/z.bmp", "x");
  write_text(t / "root/ant/m.tif", "x");
  write_text(t / "root/ant/.ipynb_checkpoints/m.tif", "x");
  write_text(t / "root/README.md", "loose file at the root");
}

TEST(ImageFolder, SortedClassesNestedFilesSortedSamples) {
  TempDir t;
  make_folder(t);
  const auto ds = load_image_folder(t / "root");
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"ant", "cat", "dog"}));
  ASSERT_EQ(ds.samples.size(), 5u);
  EXPECT_EQ(ds.root, t / "root");
  const std::vector<std::pair<std::string, std::int64_t>> expected = {
      {"ant/m.tif", 0}, {"cat/z.bmp", 1}, {"dog/a.jpg", 2}, {"dog/b.png", 2}, {"dog/nested/deeper/c.JPEG", 2}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ds.samples[i].path, t / "root" / expected[i].first) << i;
    EXPECT_EQ(ds.samples[i].label, expected[i].second) << i;
  }
}

TEST(ImageFolder, FixedClassListKeepsItsIndices) {
  TempDir t;
  make_folder(t);
  const auto ds = load_image_folder(t / "root", {"dog", "cat", "ant", "bee"});
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"dog", "cat", "ant", "bee"}));
  ASSERT_EQ(ds.samples.size(), 5u);
  EXPECT_EQ(ds.samples[0].path, t / "root/dog/a.jpg");
  EXPECT_EQ(ds.samples[0].label, 0);
  EXPECT_EQ(ds.samples[3].label, 1);  // cat
  EXPECT_EQ(ds.samples[4].label, 2);  // ant
}

TEST(ImageFolder, UnknownSubfolderIsNamed) {
  TempDir t;
  make_folder(t);
  const auto msg = message_of([&] { load_image_folder(t / "root", {"dog", "cat"}); });
  EXPECT_NE(msg.find("'ant'"), std::string::npos) << msg;
}

TEST(ImageFolder, MissingOrEmptyRootIsAUserError) {
  TempDir t;
  EXPECT_NE(message_of([&] { load_image_folder(t / "nope"); }).find("nope"), std::string::npos);
  write_text(t / "empty/cls/readme.txt", "no images");
  EXPECT_NE(message_of([&] { load_image_folder(t / "empty"); }).find("empty"), std::string::npos);
}

TEST(CsvManifest, RelativePathsQuotesAndClasses) {
  TempDir t;
  write_text(t / "set/img/a.png", "x");
  write_text(t / "set/img/b, c.png", "x");
  write_text(t / "set/img/d\"q.png", "x");
  write_text(t / "abs.png", "x");
  write_text(t / "set/list.csv",
             "path,label\n"
             "img/a.png,zebra\n"
             "\"img/b, c.png\",\"ape, big\"\n"
             "\n"
             "\"img/d\"\"q.png\" , zebra\n" +
                 (t / "abs.png").string() + ",\"ape, big\"\n");
  const auto ds = load_csv_manifest(t / "set/list.csv");
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"ape, big", "zebra"}));
  ASSERT_EQ(ds.samples.size(), 4u);
  EXPECT_EQ(ds.samples[0].path, t / "set/img/a.png");
  EXPECT_EQ(ds.samples[0].label, 1);
  EXPECT_EQ(ds.samples[1].path, t / "set/img/b, c.png");
  EXPECT_EQ(ds.samples[1].label, 0);
  EXPECT_EQ(ds.samples[2].path, t / "set/img/d\"q.png");
  EXPECT_EQ(ds.samples[3].path, t / "abs.png");
  EXPECT_EQ(ds.root, t / "set/list.csv");

  const auto fixed = load_dataset(t / "set/list.csv", {"zebra", "ape, big", "cow"});
  EXPECT_EQ(fixed.samples[0].label, 0);
  EXPECT_EQ(fixed.samples[1].label, 1);
}

TEST(CsvManifest, BomCrlfAndExtraColumns) {
  TempDir t;
  write_text(t / "a.png", "x");
  write_text(t / "m.csv", "\xEF\xBB\xBFid,label,path\r\n7,one,a.png\r\n");
  const auto ds = load_csv_manifest(t / "m.csv");
  ASSERT_EQ(ds.samples.size(), 1u);
  EXPECT_EQ(ds.samples[0].path, t / "a.png");
  EXPECT_EQ(ds.classes, std::vector<std::string>{"one"});
}

TEST(CsvManifest, PathOnlyIsUnlabelled) {
  TempDir t;
  write_text(t / "a.png", "x");
  write_text(t / "m.csv", "path\na.png\n");
  const auto ds = load_csv_manifest(t / "m.csv");
  ASSERT_EQ(ds.samples.size(), 1u);
  EXPECT_EQ(ds.samples[0].label, -1);
  EXPECT_TRUE(ds.classes.empty());
}

TEST(CsvManifest, ErrorsNameFileAndLine) {
  TempDir t;
  write_text(t / "a.png", "x");
  const auto csv = t / "m.csv";
  auto expect_line = [&](const std::string& content, const std::string& where, const std::string& what,
                         const std::vector<std::string>& classes = {}) {
    write_text(csv, content);
    const auto msg = message_of([&] { load_csv_manifest(csv, classes); });
    EXPECT_NE(msg.find(csv.string() + ":" + where), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  };
  expect_line("path,label\na.png,x\na.png,x,extra\n", "3", "3 fields");
  expect_line("path,label\n\n\"a.png,x\n", "3", "unterminated");
  expect_line("path,label\na.png,x\nmissing.png,x\n", "3", "missing.png");
  expect_line("path,label\na.png,x\na.png,y\n", "3", "'y'", {"x"});
  expect_line("file,label\na.png,x\n", "1", "path");
  expect_line("path,label\na.png,\n", "2", "empty label");
  EXPECT_NE(message_of([&] { load_csv_manifest(t / "none.csv"); }).find("none.csv"), std::string::npos);
  write_text(csv, "path,label\n");
  EXPECT_NE(message_of([&] { load_csv_manifest(csv); }).find("no images"), std::string::npos);
}

TEST(LoadDataset, DispatchesOnCsvOrFolder) {
  TempDir t;
  make_folder(t);
  write_text(t / "root/../m.CSV", "path,label\nroot/cat/z.bmp,cat\n");
  EXPECT_EQ(load_dataset(t / "root").samples.size(), 5u);
  EXPECT_EQ(load_dataset(t / "m.CSV").samples.size(), 1u);
  EXPECT_NE(message_of([&] { load_dataset(t / "nothing"); }).find("nothing"), std::string::npos);
  EXPECT_NE(message_of([&] { load_dataset(t / "root/README.md"); }).find("README.md"), std::string::npos);
}

TEST(ListImages, RecursiveSortedImagesOnlyAndFilesAsIs) {
  TempDir t;
  make_folder(t);
  const auto files = list_images(t / "root");
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files.front(), t / "root/ant/m.tif");
  EXPECT_EQ(files.back(), t / "root/dog/nested/deeper/c.JPEG");
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  EXPECT_EQ(list_images(t / "root/README.md"), std::vector<fs::path>{t / "root/README.md"});
  EXPECT_THROW(list_images(t / "nope"), UserError);
}

}  // namespace
}  // namespace tessera::data
