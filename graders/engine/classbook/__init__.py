"""The class: batches of submissions and their inputs (folders, notebooks,
Canvas downloads), the judges that grade them in parallel, shards, late
policy, adjustments and the corrections built from both, regrade diffs.

May use: core, isolation, grading, authoring.
"""
