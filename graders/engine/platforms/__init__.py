"""Where grades go: the Gradescope bundle, LMS exports (Canvas and plain CSV),
GitHub Classroom's points, nbgrader's gradebook.

May use: every other wing; only the command line (``cli``) uses it.
"""
