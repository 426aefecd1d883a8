# Settings shared by submit.sh, grade.sbatch and merge.sbatch: the one place to change them.
# Every path must be on a file system that all nodes see (NFS, Lustre, BeeGFS, ...).
SHARDS=${SHARDS:-8}                                          # tasks of the grading array (submit.sh: --array=1-SHARDS)
ASSIGNMENT=${ASSIGNMENT:-a1_backprop}                        # an assignment of the course's course.toml
COURSE_ROOT=${COURSE_ROOT:-/shared/course/dl-course}         # a checkout of the course (holds course.toml)
VENV=${VENV:-/shared/course/venv}                            # a venv with the course installed (pip install -e ".[instructor]")
SUBMISSIONS=${SUBMISSIONS:-/shared/course/submitted}         # zips, folders or nbgrader's submitted/
OUT=${OUT:-/shared/course/graded/$ASSIGNMENT}                # every shard writes here at once
export TF_CPP_MIN_LOG_LEVEL=3
