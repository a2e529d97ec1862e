#pragma once
#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class SeriesGrouping { automatic, off };
template <>
struct ChoiceTable<SeriesGrouping> {
  static constexpr ChoiceName<SeriesGrouping> names[] = {{SeriesGrouping::automatic, "auto"},
                                                         {SeriesGrouping::off, "off"}};
};

enum class SeriesAggregate { mean, max };
template <>
struct ChoiceTable<SeriesAggregate> {
  static constexpr ChoiceName<SeriesAggregate> names[] = {{SeriesAggregate::mean, "mean"},
                                                          {SeriesAggregate::max, "max"}};
};

// How `tessera infer` treats DICOM series (folders of slices), the way slice-wise CT/MR
// classifiers are used: each slice is predicted, then the series gets one aggregate answer.
//   series: auto   a folder holding two or more DICOM files that all carry slice geometry
//                  (ImagePositionPatient/ImageOrientationPatient) at two or more distinct
//                  positions is a series: its slices are listed in position order and
//                  <output stem>.series.csv gets one row per series
//           off    every file is predicted on its own
//   series_aggregate: mean | max   per class, the mean or the maximum of the slice
//                  probabilities; the series label is the class with the highest aggregate
struct InferConfig {
  SeriesGrouping series = SeriesGrouping::automatic;
  SeriesAggregate series_aggregate = SeriesAggregate::mean;

  template <class V>
  void visit(V& v) {
    v.field("series", series);
    v.field("series_aggregate", series_aggregate);
  }
  void validate(const SectionChecker&) const {}
};

}  // namespace tessera::config
