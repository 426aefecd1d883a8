"""Grading one submission: the pytest plugin that turns test outcomes into
points, the runner that drives it, array comparison and known-mistake naming,
the TensorFlow oracle, per-student variants and the notebooks' judge server.

May use: core, isolation.
"""
