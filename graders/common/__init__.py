"""Grading helpers every assignment may use: finite differences, one-hot labels, random parameters,
the digits data. Never an exercise's answer (those stay in an assignment's own private files).

Graders import them as ``from graders.common import gradients``. Every Gradescope bundle carries
this folder (it leaves out only other assignments' grader folders), so an assignment that uses it
grades there as it does here.
"""
