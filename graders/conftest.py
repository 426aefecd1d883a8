"""Loads the grading plugin for every assignment under graders/.

Run a self-check with ``pytest graders/a1_backprop`` (your exercises/ folder)
or ``pytest graders/a1_backprop --submission path/to/folder``.
"""

from graders.engine.grading.plugin import (  # noqa: F401 - pytest finds hooks and fixtures by name
    assignment,
    identity,
    judge_imports,
    pytest_addoption,
    plot,
    pytest_configure,
    rng,
    settings,
    student,
    tol,
)
