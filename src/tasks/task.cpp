#include "tessera/tasks/task.h"

#include "tessera/dist/group.h"

namespace tessera::tasks {

const char* split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::val: return "val";
    case Split::test: return "test";
  }
  return "?";
}

void combine_across_ranks(Evaluation& evaluation, dist::Group& group) {
  const EvaluationShare share = evaluation.share();
  evaluation.adopt({group.sum(share.sums), group.gather_rows(share.rows)});
}

}  // namespace tessera::tasks
