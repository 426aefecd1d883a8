# Shell functions of submit.sh and rerun.sh (sourced).

# wait_ended JOB: until the Job is Complete, or Failed (an index kept failing; the others still ran)
wait_ended() {
  kubectl wait --for=condition=complete "job/$1" --timeout=4h & local complete=$!
  kubectl wait --for=condition=failed "job/$1" --timeout=4h & local failed=$!
  wait -n "$complete" "$failed" || true
  kill "$complete" "$failed" 2>/dev/null || true
  local indexes
  indexes=$(kubectl get "job/$1" -o jsonpath='{.status.failedIndexes}')
  if [ -n "$indexes" ]; then
    echo "job/$1 failed on index(es) $indexes: rerun shard K = index + 1 with $here/rerun.sh K"
  fi
}

# merge: (re)create the suspended merge Job and let it run
merge() {
  kubectl apply -k "$here" >/dev/null
  kubectl patch "job/course-merge-$RUN" --type=merge -p '{"spec":{"suspend":false}}'
  echo "merging: kubectl logs -f job/course-merge-$RUN"
}
