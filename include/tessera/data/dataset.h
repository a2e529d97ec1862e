#pragma once
// Classification datasets: a list of (image path, class index) pairs plus the class names.
// Two on-disk layouts are understood:
//   - an image folder, one subfolder per class (torchvision's ImageFolder), and
//   - a CSV manifest with a "path,label" header.
// Both produce the same ClassificationDataset, in a deterministic order, so that a seeded loader
// gives the same batches on every machine.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tessera::data {

struct Sample {
  std::filesystem::path path;
  std::int64_t label = -1;  // index into ClassificationDataset::classes; -1 = unlabelled (inference)
  int frame = -1;           // one frame of a multi-frame DICOM file (infer's series); -1 = the whole file
};

struct ClassificationDataset {
  std::vector<std::string> classes;  // class index -> name
  std::vector<Sample> samples;
  std::filesystem::path root;        // the folder, or the CSV file, the dataset was read from
};

// Class-per-subfolder layout. Without `classes`, the classes are the sorted names of root's
// subfolders (hidden ones, starting with '.', are skipped). With `classes`, those names and their
// indices are used as given (a run's saved label list, so indices match the trained model); a
// subfolder that is not among them is a UserError naming it, and a listed class without a
// subfolder simply has no samples. Images and DICOM files are found recursively under each class
// folder (io::has_image_extension; io::is_dicom_file: .dcm/.dicom, or a file without an image
// extension whose first 132 bytes look like DICOM) and sorted by class, then path. A missing root, or one with no
// images, is a UserError naming it.
ClassificationDataset load_image_folder(const std::filesystem::path& root,
                                        const std::vector<std::string>& classes = {});

// CSV manifest. The header names the columns: "path" (required) and "label" (optional; without
// it every sample is unlabelled, -1); other columns are ignored and their order is free.
// Relative paths are relative to the CSV's folder. Labels are class names; without `classes`,
// the classes are the sorted distinct labels. Fields may be quoted ("a, b" and "" escapes), blank
// lines are skipped, a UTF-8 BOM and CRLF line ends are accepted. Paths may name images or DICOM
// files (any extension is taken as listed; .dcm/.dicom mark DICOM). Errors (bad header, wrong
// column count, unterminated quote, unknown label, missing image file, empty manifest) are
// UserErrors naming "file:line".
ClassificationDataset load_csv_manifest(const std::filesystem::path& csv,
                                        const std::vector<std::string>& classes = {});

// A path ending in .csv (any case) is a manifest, a directory is an image folder; anything
// else is a UserError naming the path.
ClassificationDataset load_dataset(const std::filesystem::path& path,
                                   const std::vector<std::string>& classes = {});

// Inputs for inference: a file is returned as is (whatever its extension); a folder is searched
// recursively for image and DICOM files (as load_image_folder), sorted. A missing path, or a
// folder without any, is a UserError naming it.
std::vector<std::filesystem::path> list_images(const std::filesystem::path& folder_or_file);

// A dataset is either all images or all DICOM (io::is_dicom_file): the two take
// different pipelines and normalisation. True when all samples are DICOM, false when none is; a
// mix is a UserError giving the counts (never a DICOM path: paths may hold patient names).
bool is_dicom_dataset(const ClassificationDataset& dataset);

}  // namespace tessera::data
