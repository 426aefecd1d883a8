"""Graders for a1_backprop: NumPy layers from scratch."""
