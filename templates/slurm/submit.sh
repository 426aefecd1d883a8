#!/bin/bash
# Queue the grading array (one task per shard, SHARDS in settings.sh) and the merge:
#   ./submit.sh              every shard
#   ./submit.sh --rerun K    only shard K (or a list: 3,5) of SHARDS, e.g. after a task failed
# Runs from any folder. The merge starts once every task has ended, whether it succeeded or
# not, so it is never left pending: if a task failed, the merge fails too and its log names
# the exact line that reruns it (this script with --rerun).
set -euo pipefail
export COURSE_SLURM; COURSE_SLURM=$(cd "$(dirname "$0")" && pwd)
source "$COURSE_SLURM/settings.sh"
tasks="1-$SHARDS"
if [ "${1:-}" = "--rerun" ]; then
  tasks=${2:?"--rerun needs the shard(s) to rerun, e.g. --rerun 3"}
fi
grading=$(sbatch --parsable --array="$tasks" "$COURSE_SLURM/grade.sbatch")
grading=${grading%%;*}  # "id;cluster" on a multi-cluster setup
merging=$(sbatch --parsable --dependency="afterany:$grading" --kill-on-invalid-dep=yes "$COURSE_SLURM/merge.sbatch")
merging=${merging%%;*}
echo "grading: job array $grading (tasks $tasks of $SHARDS; logs course-grade-${grading}_K.log)"
echo "merge:   job $merging (after every task has ended; log course-merge-$merging.log)"
