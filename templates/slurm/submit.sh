#!/bin/bash
# Queue the grading array, then the merge once every task has succeeded.
# If a task failed, the merge does not start: rerun that task alone with
#   sbatch --array=K grade.sbatch
# and then queue the merge yourself: sbatch merge.sbatch
set -euo pipefail
cd "$(dirname "$0")"
grading=$(sbatch --parsable grade.sbatch)
sbatch --parsable --dependency="afterok:${grading%%;*}" merge.sbatch
