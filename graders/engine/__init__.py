"""The grading engine: configuration, isolation, comparison, scoring, reports."""
