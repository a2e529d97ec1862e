// `tessera prepare dicom-digits` as a user runs it (default --out data/dicom-digits under the
// working folder): the same files as `prepare digits`, and configs/dicom_digits.yaml trains on
// them. One epoch only: the accuracy promise (within 1 point of the PNG digits) is measured in
// full by hand and reported with the issue, as digits' own is in digits_slow_test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <algorithm>
#include <set>
#include <vector>
#include <sstream>
#include <string>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

// split/digit/NNNN of every file under `root` with extension `ext` (the series demo aside).
std::set<std::string> listing(const fs::path& root, const std::string& ext) {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ext || entry.path().lexically_relative(root).string().rfind("series/", 0) == 0) continue;
    names.insert((entry.path().parent_path().lexically_relative(root) / entry.path().stem()).string());
  }
  return names;
}

TEST(DicomDigits, PrepareAndTrainOneEpoch) {
  const CommandResult version = run_tessera({"version"});
  const auto at = version.out.find("DCMTK:");
  if (at == std::string::npos ||
      version.out.substr(at, version.out.find('\n', at) - at).find("not built") != std::string::npos) {
    GTEST_SKIP() << "this build has no DICOM support";
  }
  const fs::path png = digits_dir();  // also fetches the sheet when needed
  const fs::path dir = fresh_dir("dicom-digits");
  const CommandResult prepared = run_tessera({"prepare", "dicom-digits"}, dir);
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  EXPECT_EQ(prepared.out, "data/dicom-digits: 4000 train, 500 val, 500 test images\n");
  const fs::path data = dir / "data" / "dicom-digits";
  EXPECT_EQ(listing(data, ".dcm"), listing(png, ".png")) << "same cells in the same splits";
  const std::string source = read_text(data / "SOURCE.txt");
  for (const char* line : {"transfer syntax: jpeg_lossless ", "photometric: MONOCHROME1 ", "rescale slope: 0.5 "})
    EXPECT_NE(source.find(line), std::string::npos) << line << " in:\n" << source;

  const CommandResult trained = run_tessera({"train", std::string(TESSERA_SOURCE_DIR) + "/configs/dicom_digits.yaml",
                                             "--set", "train.epochs=1", "--set", "runtime.device=cpu", "--set",
                                             "runtime.output_dir=" + (dir / "models").string()},
                                            dir);  // the config's relative data paths resolve here
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  std::ifstream in(dir / "models" / "dicom_digits" / "test_metrics.json");
  ASSERT_TRUE(in) << trained.out;
  const auto test = nlohmann::json::parse(in);
  EXPECT_EQ(test["count"], 500);
  // One epoch, all of it the lr warm-up, gave 0.736 (chance is 0.1): the network learns from the DICOM files.
  EXPECT_GE(test["accuracy"].get<double>(), 0.5);

  // The series demo: 20 folders of slices in scrambled file order, one with a gap, one with a
  // duplicate. infer lists each series' slices in position order and answers once per series.
  const CommandResult inferred = run_tessera({"infer", (dir / "models" / "dicom_digits").string(), "--input",
                                              (data / "series").string(), "--output", (dir / "series.csv").string()});
  ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
  EXPECT_NE(inferred.out.find("(160 images)"), std::string::npos) << inferred.out;  // 20 x 8, -1 gap, +1 duplicate
  EXPECT_NE(inferred.err.find("gap of 5 mm between dicom sample #"), std::string::npos) << inferred.err;
  EXPECT_NE(inferred.err.find("duplicate slice position -95 mm"), std::string::npos) << inferred.err;
  std::istringstream slices(read_text(dir / "series.csv"));
  std::string line;
  std::getline(slices, line);
  std::map<std::string, std::vector<double>> positions;  // series -> position_mm in row order
  while (std::getline(slices, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    ASSERT_GE(f.size(), 4u) << line;
    positions[f[1]].push_back(std::stod(f[3]));
  }
  ASSERT_EQ(positions.size(), 20u);
  for (const auto& [series, z] : positions) {
    EXPECT_TRUE(std::is_sorted(z.begin(), z.end())) << series << ": slices not in position order";
    EXPECT_DOUBLE_EQ(z.front(), -100.0) << series;
  }
  // One answer per series; labels.csv gives the truth in folder order (= the series numbering).
  std::istringstream truth(read_text(data / "series" / "labels.csv")), answers(read_text(dir / "series.series.csv"));
  std::getline(truth, line);
  std::getline(answers, line);
  EXPECT_EQ(line.rfind("series,slices,unreadable,spacing_mm,aggregate,label,", 0), 0u) << line;
  int series_count = 0, correct = 0;
  for (std::string t, a; std::getline(truth, t) && std::getline(answers, a); ++series_count) {
    const std::string label = t.substr(t.find(',') + 1);
    std::vector<std::string> f;
    std::istringstream fields(a);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    ASSERT_GE(f.size(), 6u) << a;
    EXPECT_EQ(f[4], "mean");
    correct += f[5] == label ? 1 : 0;
  }
  EXPECT_EQ(series_count, 20);
  // Averaging 7-9 slices of a 0.74-accurate one-epoch model: most series come out right.
  EXPECT_GE(correct, 12) << "of 20 series";
}

}  // namespace
}  // namespace tessera::e2e
