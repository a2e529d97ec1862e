#!/usr/bin/env bash
# Checks that every C++/CUDA line changed since .clang-format arrived follows it (issue 20): new
# and edited code keeps the house style, and older lines are held to it only once touched, so the
# check never asks for a reformat-everything commit. CI runs it from tools/test.sh.
#
#   tools/check_format.sh              # lines changed since the commit that added .clang-format
#   tools/check_format.sh REV          # lines changed since REV (e.g. origin/main before a push)
#   tools/check_format.sh --fix [REV]  # reformat those lines in place instead
# Exit 0 when clean, 1 with the diff that would fix it. Needs clang-format (tools/deps/debian.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fix=0
if [[ ${1:-} == --fix ]]; then fix=1; shift; fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,9p' "$0"; exit 0; fi
base=${1:-$(git log --diff-filter=A --format=%H -- .clang-format | tail -1)}
if [[ -z $base ]]; then
  base=HEAD  # .clang-format not committed yet: only the uncommitted changes
fi
if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
  echo "check_format: a shallow clone; only the lines changed since $(git rev-parse --short "$base") are checked" >&2
fi
paths=(src include tools tests bench fuzz)
extensions=cpp,h,hpp,cu,cuh
if ((fix)); then
  git clang-format --force --extensions "$extensions" "$base" -- "${paths[@]}"
  exit 0
fi
diff=$(git clang-format --diff --extensions "$extensions" "$base" -- "${paths[@]}")
if [[ -z $diff || $diff == "no modified files to format" || $diff == "clang-format did not modify any files" ]]; then
  echo "check_format: every line changed since $(git rev-parse --short "$base") follows .clang-format"
  exit 0
fi
printf '%s\n' "$diff"
echo "check_format: the lines above do not follow .clang-format; tools/check_format.sh --fix $base rewrites them" >&2
exit 1
