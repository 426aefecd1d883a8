"""What people read: terminal tables, feedback pages, the class report, its
figures, and the similarity report.

May use: core, isolation, grading, authoring, classbook.
"""
