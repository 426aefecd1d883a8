#!/bin/bash
# Grade on Kubernetes, from any folder: apply the Jobs (settings.env: SHARDS, ASSIGNMENT, RUN),
# wait until grading has ended, name any shard that failed, then let the merge run.
# A second run: a new RUN in settings.env (the Jobs' names carry it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/settings.env"
source "$here/jobs.sh"
kubectl apply -k "$here"
echo "grading: job/course-grade-$RUN ($SHARDS shards of $ASSIGNMENT); merge: job/course-merge-$RUN, suspended until then"
wait_ended "course-grade-$RUN"
merge
