// Digits preparation on a synthetic 2000x1000 sheet; the real sheet only when TESSERA_REAL_DIGITS=1.
#include "tessera/data/digits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/digits_sheet.h"
#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"

namespace tessera::data {
namespace {

using tessera::testing::cell_pixel;
using tessera::testing::list_prepared;
using tessera::testing::TempDir;
using tessera::testing::write_sheet;
using tessera::testing::write_text;
namespace fs = std::filesystem;

TEST(PrepareDigits, SplitsSlicesAndLabelsTheSheet) {
  TempDir t;
  const auto sheet = write_sheet(t.path());
  const auto out = t / "digits";
  const auto counts = prepare_digits(sheet, out, 7);
  EXPECT_EQ(counts.train, 4000u);
  EXPECT_EQ(counts.val, 500u);
  EXPECT_EQ(counts.test, 500u);
  EXPECT_FALSE(fs::exists(t / "digits.tmp"));

  const auto listing = list_prepared(out);
  std::set<int> all;
  std::size_t total = 0;
  const std::map<std::string, std::size_t> per_class = {{"train", 400}, {"val", 50}, {"test", 50}};
  for (const auto& [split, digits] : listing) {
    ASSERT_EQ(digits.size(), 10u) << split;
    for (const auto& [digit, cells] : digits) {
      EXPECT_EQ(cells.size(), per_class.at(split)) << split << " " << digit;  // stratified
      for (int g : cells) {
        EXPECT_EQ(g / 500, digit) << "cell " << g << " filed under the wrong class";
        all.insert(g);
        ++total;
        char name[16];
        std::snprintf(name, sizeof name, "%04d.png", g);
        const cv::Mat img = cv::imread((out / split / std::to_string(digit) / name).string(), cv::IMREAD_UNCHANGED);
        ASSERT_EQ(img.type(), CV_8UC1);
        ASSERT_EQ(img.rows, 20);
        ASSERT_EQ(img.cols, 20);
        bool same = true;
        for (int y = 0; y < 20; ++y) {
          for (int x = 0; x < 20; ++x) same &= img.at<std::uint8_t>(y, x) == cell_pixel(g, y, x);
        }
        EXPECT_TRUE(same) << split << "/" << digit << "/" << name;
      }
    }
  }
  EXPECT_EQ(total, 5000u);
  EXPECT_EQ(all.size(), 5000u);  // disjoint splits covering the sheet

  const std::string source = read_file(out / "SOURCE.txt");
  EXPECT_NE(source.find("CC BY-SA 3.0"), std::string::npos);
  EXPECT_NE(source.find("seed: 7"), std::string::npos);
  EXPECT_NE(source.find("digits.png"), std::string::npos);

  // The result is a plain image folder.
  const auto ds = load_image_folder(out / "train");
  EXPECT_EQ(ds.classes.size(), 10u);
  EXPECT_EQ(ds.samples.size(), 4000u);
}

TEST(PrepareDigits, DeterministicPerSeedAndIdempotent) {
  TempDir t;
  const auto sheet = write_sheet(t.path());
  prepare_digits(sheet, t / "a", 3);
  DigitsSplit small{10, 5, 5};
  write_text(t / "b/stale.txt", "from an older run");
  write_text(t / "b.tmp/junk.png", "from an interrupted run");
  prepare_digits(sheet, t / "b", 3, small);
  prepare_digits(sheet, t / "b/", 3);  // re-run replaces the content
  EXPECT_FALSE(fs::exists(t / "b/stale.txt"));
  EXPECT_FALSE(fs::exists(t / "b.tmp"));
  EXPECT_FALSE(fs::exists(t / "b.old"));
  EXPECT_EQ(list_prepared(t / "a"), list_prepared(t / "b"));
  prepare_digits(sheet, t / "c", 4);
  EXPECT_NE(list_prepared(t / "a")["train"], list_prepared(t / "c")["train"]);

  const auto counts = prepare_digits(sheet, t / "d", 3, small);
  EXPECT_EQ(counts.train, 100u);
  EXPECT_EQ(counts.val, 50u);
  EXPECT_EQ(counts.test, 50u);
}

TEST(PrepareDigits, RejectsWrongSheetsAndSplits) {
  TempDir t;
  cv::Mat wrong(500, 2000, CV_8UC1, cv::Scalar(0));
  ASSERT_TRUE(cv::imwrite((t / "wrong.png").string(), wrong));
  try {
    prepare_digits(t / "wrong.png", t / "out");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("2000x500"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(t / "out"));
  EXPECT_THROW(prepare_digits(t / "missing.png", t / "out"), UserError);
  write_text(t / "garbage.png", "not a png");
  EXPECT_THROW(prepare_digits(t / "garbage.png", t / "out"), DecodeError);
  const auto sheet = write_sheet(t.path());
  EXPECT_THROW(prepare_digits(sheet, t / "out", 0, DigitsSplit{400, 60, 50}), UserError);
  EXPECT_THROW(prepare_digits(sheet, t / "out", 0, DigitsSplit{-1, 50, 50}), UserError);
}

TEST(LocateDigits, AnExplicitSourceMustExist) {
  TempDir t;
  write_text(t / "sheet.png", "x");
  EXPECT_EQ(locate_or_fetch_digits(t / "sheet.png"), t / "sheet.png");
  EXPECT_THROW(locate_or_fetch_digits(t / "nope.png"), UserError);
}

// The real thing: fetch (when needed), prepare, time both and the loader. Opt-in, it may download 95 MB.
TEST(RealDigits, FetchPrepareAndLoad) {
  if (!std::getenv("TESSERA_REAL_DIGITS")) GTEST_SKIP() << "set TESSERA_REAL_DIGITS=1 to fetch and time the real sheet";
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  const auto sheet = locate_or_fetch_digits();
  const double locate_s = std::chrono::duration<double>(clock::now() - t0).count();
  TempDir t;
  t0 = clock::now();
  const auto counts = prepare_digits(sheet, t / "digits", 0);
  const double prepare_s = std::chrono::duration<double>(clock::now() - t0).count();
  EXPECT_EQ(counts.train + counts.val + counts.test, 5000u);

  LoaderOptions o;
  o.batch_size = 64;
  o.workers = 2;
  o.shuffle = true;
  o.preprocess.out_h = 20;
  o.preprocess.out_w = 20;
  BatchLoader loader(load_image_folder(t / "digits/train"), o);
  std::size_t images = 0;
  t0 = clock::now();
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.start_epoch(epoch);
    while (auto b = loader.next()) images += static_cast<std::size_t>(b->images.size(0));
  }
  const double load_s = std::chrono::duration<double>(clock::now() - t0).count();
  EXPECT_EQ(images, 3 * 4000u);
  std::printf("digits sheet %s (located/fetched in %.1f s); prepare %.2f s; loader workers=2: %.0f images/s\n",
              sheet.c_str(), locate_s, prepare_s, images / load_s);
}

}  // namespace
}  // namespace tessera::data
