"""Graders of a3_keras_models: Sequential vs Functional, the CNN, and the NumPy bridge."""
