"""Foundations every other wing may use: the course's configuration, scores and
results files, hand-kept CSV tables, the error types that say whose fault a
failure is, and the project's own dependency list.

May use: the standard library and NumPy only; nothing else in the engine.
"""
