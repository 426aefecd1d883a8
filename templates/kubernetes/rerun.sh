#!/bin/bash
# Rerun shard K (1..SHARDS) alone, as a Job of its own (course-rerun-RUN-K), from any folder;
# it grades only what that shard had not finished. Then the merge runs again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shard=${1:?"usage: rerun.sh K, the shard to rerun (1..SHARDS)"}
source "$here/settings.env"
source "$here/jobs.sh"
echo "SHARD=$shard" > "$here/rerun/shard.env"
kubectl kustomize --load-restrictor LoadRestrictionsNone "$here/rerun" | kubectl apply -f -
echo "rerunning shard $shard/$SHARDS: job/course-rerun-$RUN-$shard"
wait_ended "course-rerun-$RUN-$shard"
kubectl delete "job/course-merge-$RUN" --ignore-not-found
merge
