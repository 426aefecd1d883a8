# Settings shared by grade.sbatch and merge.sbatch; every path must be on a
# file system that all nodes see (NFS, Lustre, BeeGFS, ...).
SHARDS=8                                         # tasks of the array: keep --array=1-SHARDS in grade.sbatch
ASSIGNMENT=${ASSIGNMENT:-a1_backprop}            # an assignment of the course's course.toml
COURSE_ROOT=${COURSE_ROOT:-/shared/course/dl-course}         # a checkout of the course (holds course.toml)
VENV=${VENV:-/shared/course/venv}                            # a venv with the course installed (pip install -e ".[instructor]")
SUBMISSIONS=${SUBMISSIONS:-/shared/course/submitted}         # zips, folders or nbgrader's submitted/
OUT=${OUT:-/shared/course/graded/$ASSIGNMENT}                # every shard writes here at once
export TF_CPP_MIN_LOG_LEVEL=3
