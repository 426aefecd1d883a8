"""The grading engine, one wing per job, each importing only the wings before it:

core → isolation → grading → authoring → classbook → reporting → platforms → cli

Each wing's ``__init__`` says what it owns and what it may use.
"""
