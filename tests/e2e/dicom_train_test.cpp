// `tessera train`, `eval`, `infer` and `inspect` on a class folder of DICOM files (pydicom's CT_small and
// MR_small plus dcmodify twins, one unreadable file under a path that holds CT_small's patient
// name): training runs, and nothing written or logged carries CT_small's identifying values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

const fs::path kFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const std::vector<std::string> kPhi = {"CompressedSamples", "1CT1", "JFK IMAGING CENTER", "ABCD1234", "20040119",
                                       "1.3.6.1.4.1.5962.1."};

std::string read_binary(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

TEST(DicomTrain, TrainEvalInferInspectOnDicomLeakNoPatientData) {
  // This executable does not link the io library: `tessera version` says whether DCMTK is built in.
  const CommandResult version = run_tessera({"version"});
  const auto at = version.out.find("DCMTK:");
  const bool dcmtk = at != std::string::npos &&
                     version.out.substr(at, version.out.find('\n', at) - at).find("not built") == std::string::npos;
  if (!dcmtk || !fs::exists(kFiles / "CT_small.dcm") || !run("dcmodify --version")) {
    GTEST_SKIP() << "needs DCMTK, the dcmtk tools and Debian's python3-pydicom files";
  }
  const fs::path dir = fresh_dir("dicom_train");
  const fs::path data = dir / "data";
  fs::create_directories(data / "ct");
  fs::create_directories(data / "mr");
  for (int i = 0; i < 6; ++i) {
    const fs::path ct = data / "ct" / (std::to_string(i) + ".dcm"), mr = data / "mr" / (std::to_string(i) + ".dcm");
    fs::copy_file(kFiles / "CT_small.dcm", ct);
    fs::copy_file(kFiles / "MR_small.dcm", mr);
    const std::string intercept = std::to_string(-1024 + 10 * i);
    ASSERT_TRUE(run("dcmodify -nb -m '(0028,1052)=" + intercept + "' '" + ct.string() + "'"));
    if (i % 2) ASSERT_TRUE(run("dcmodify -nb -m '(0028,0004)=MONOCHROME1' '" + mr.string() + "'"));
  }
  const fs::path leaky = data / "ct" / "CompressedSamples^CT1";
  fs::create_directories(leaky);
  const std::string ct = read_binary(kFiles / "CT_small.dcm");
  std::ofstream(leaky / "1CT1_20040119.dcm", std::ios::binary) << ct.substr(0, ct.size() - 9000);

  std::ofstream(dir / "dicom.yaml")
      << "runtime: {device: cpu, seed: 3, threads: 1, output_dir: " << (dir / "runs").string() << ", name: dicom}\n"
      << "data: {train: " << data.string() << ", val: " << data.string()
      << ", channels: 1, resize: 32, crop: 32, mean: [0.5], std: [0.25], window: soft_tissue, batch_size: 4, "
         "workers: 2}\n"
      << "model: {name: simple_cnn, width: 4}\n"
      << "train: {epochs: 2}\n";
  const CommandResult trained = run_tessera({"train", (dir / "dicom.yaml").string()});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const fs::path run_dir = dir / "runs" / "dicom";
  for (const char* file : {"config.yaml", "weights.safetensors", "checkpoint.pt", "metrics.jsonl", "train.log"}) {
    EXPECT_TRUE(fs::exists(run_dir / file)) << file;
  }
  EXPECT_NE(read_binary(run_dir / "config.yaml").find("window: soft_tissue"), std::string::npos);
  EXPECT_NE(read_binary(run_dir / "train.log").find("dicom sample #"), std::string::npos)
      << "the unreadable file is reported by reference";

  const CommandResult evaluated = run_tessera({"eval", run_dir.string(), "--data", data.string(), "--output",
                                               (dir / "eval").string()});
  // infer names DICOM files by opaque references, failures included; --show-paths opts out.
  const CommandResult inferred = run_tessera({"infer", run_dir.string(), "--input", data.string(), "--output",
                                              (dir / "eval" / "predictions.csv").string()});
  EXPECT_EQ(inferred.exit_code, 0) << inferred.err;
  const std::string predictions = read_binary(dir / "eval" / "predictions.csv");
  EXPECT_NE(predictions.find("dicom sample #"), std::string::npos) << predictions;
  EXPECT_EQ(predictions.find(data.string()), std::string::npos) << "no path in predictions.csv";
  const CommandResult with_paths = run_tessera({"infer", run_dir.string(), "--input", data.string(), "--output",
                                                (dir / "with_paths.csv").string(), "--show-paths"});
  EXPECT_EQ(with_paths.exit_code, 0) << with_paths.err;
  EXPECT_NE(read_binary(dir / "with_paths.csv").find((data / "mr" / "0.dcm").string()), std::string::npos);
  // inspect prints the allowlisted header only.
  const CommandResult inspected = run_tessera({"inspect", (kFiles / "CT_small.dcm").string()});
  EXPECT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_NE(inspected.out.find("DICOM: 128x128"), std::string::npos) << inspected.out;

  std::vector<std::pair<std::string, std::string>> outputs = {{"train stdout", trained.out},
                                                              {"train stderr", trained.err},
                                                              {"eval stdout", evaluated.out},
                                                              {"eval stderr", evaluated.err},
                                                              {"infer stdout", inferred.out},
                                                              {"infer stderr", inferred.err},
                                                              {"inspect stdout", inspected.out}};
  for (const auto& folder : {run_dir, dir / "eval"}) {
    if (!fs::exists(folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file()) outputs.emplace_back(entry.path().string(), read_binary(entry.path()));
    }
  }
  for (const auto& [name, text] : outputs) {
    for (const auto& bad : kPhi) EXPECT_EQ(text.find(bad), std::string::npos) << bad << " in " << name;
  }
}

}  // namespace
}  // namespace tessera::e2e
