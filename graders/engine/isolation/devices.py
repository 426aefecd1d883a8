"""GPUs hidden from grading, unless the course asks for them.

TensorFlow on a GPU runs matmuls in TF32 on Ampere and newer (about 1e-3
relative error) against graders' tolerances of 1e-5, and each process grabs
most of the GPU's memory. The exercises are small, so the CPU grades them
exactly and fast enough. Hiding works through the environment, so it must
happen before TensorFlow is imported; judges and workers inherit it (workers
keep these variables through their scrubbed environment, see sandbox.py).
"""

from __future__ import annotations

import os

HIDE = "CUDA_VISIBLE_DEVICES"         # "-1": CUDA shows TensorFlow no device at all
GROW = "TF_FORCE_GPU_ALLOW_GROWTH"    # where GPUs are used: take memory as needed, not most of it
VARIABLES = (HIDE, GROW)


def apply(use_gpu: bool) -> None:
    """Set this process's environment (and so its children's) for course.toml's ``[course] use_gpu``."""
    if use_gpu:
        if os.environ.get(HIDE) == "-1":
            del os.environ[HIDE]
        os.environ.setdefault(GROW, "true")
    else:
        os.environ[HIDE] = "-1"


def describe() -> str:
    """One sentence for the isolation line."""
    if os.environ.get(HIDE) == "-1":
        return "GPUs hidden (TensorFlow runs on the CPU; course.toml's [course] use_gpu = true shows them)."
    return "GPUs visible to TensorFlow ([course] use_gpu), memory taken as needed."
