"""Authoring a course: `course release` (stubs from solutions, the student
notebooks) and reading notebook submissions back into files.

May use: core, isolation, grading.
"""
