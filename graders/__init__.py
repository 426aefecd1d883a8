"""Graders for the course: the grading engine and one test package per assignment."""
