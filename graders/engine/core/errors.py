"""What can go wrong on the student's side, as the judge sees it.

Each error carries a message meant for the student: what happened and what to
do. Graders never need to catch these; the pytest plugin turns them into
feedback and a zero for the test they happened in.
"""

from __future__ import annotations

import traceback  # imported up front: a worker that dropped root may not import it later


class StudentError(Exception):
    """The student's code raised an exception (or could not be run at all)."""

    def __init__(self, kind: str, message: str, where: str = "", traceback: str = "") -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.where = where
        self.traceback = traceback

    @property
    def not_implemented(self) -> bool:
        return self.kind == "NotImplementedError"

    def feedback(self) -> str:
        if self.not_implemented:
            return f"Not implemented yet{self._at()}: replace `raise NotImplementedError()` with your code."
        text = f"Your code raised {self.kind}: {self.message}{self._at()}"
        if self.traceback:
            text += "\n" + self.traceback.rstrip()
        return text

    def _at(self) -> str:
        return f" ({self.where})" if self.where else ""


class StudentTimeout(StudentError):
    """A call into the student's code ran past its time limit."""

    def __init__(self, seconds: float, what: str) -> None:
        super().__init__("Timeout", f"{what} did not finish within {seconds:g} s")

    def feedback(self) -> str:
        return (f"Time limit: {self.message}. Look for a loop that never ends, "
                "or work repeated far more often than needed.")


class StudentCrash(StudentError):
    """The worker process running the student's code died."""

    def __init__(self, how: str) -> None:
        super().__init__("Crash", how)

    def feedback(self) -> str:
        return f"Your code stopped the process that ran it: {self.message}."


class OutputLimit(StudentError):
    """The student's code printed (or wrote to files) more than the worker allows."""

    def __init__(self, message: str) -> None:
        super().__init__("OutputLimit", message)

    @classmethod
    def past(cls, limit_bytes: int) -> "OutputLimit":
        return cls(f"Your code printed more than {limit_bytes // 1024} KB, the limit for what a submission "
                   "may print or write; remove print calls in loops (print a summary once instead).")

    def feedback(self) -> str:
        return self.message


class SubmissionProblem(StudentError):
    """The submission cannot be loaded: file missing, syntax error, refused import."""

    def __init__(self, message: str) -> None:
        super().__init__("SubmissionProblem", message)

    def feedback(self) -> str:
        return self.message


class GraderFailure(Exception):
    """The grader could not run a check: a worker that died before it was ready, a missing
    platform feature, an engine bug. Never the student's fault, so never a lost point:
    the check is *not graded*, and ``course grade`` retries the submission next run."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why

    def feedback(self) -> str:
        return (f"Not graded (grader error): {self.why}. This is not a problem with your code; "
                "run the check again, and tell your instructor if it keeps happening.")


def student_error_from(exc: BaseException, submission_dir: str) -> StudentError:
    """Describe an exception by the student's own frames only.

    Frames of the grader and of libraries are left out: they would show the
    student grading code (and sometimes hidden test inputs) and say little.
    """
    if isinstance(exc, SyntaxError):
        where = f"{_short(exc.filename, submission_dir)}, line {exc.lineno}"
        return StudentError("SyntaxError", exc.msg or "invalid syntax", where)
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(submission_dir)
    ]
    lines = [
        f"  {_short(f.filename, submission_dir)}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}"
        for f in frames[-4:]
    ]
    where = ""
    if frames:
        last = frames[-1]
        where = f"{_short(last.filename, submission_dir)}, line {last.lineno}, in {last.name}"
    message = str(exc) if not isinstance(exc, SystemExit) else f"sys.exit({exc.code!r}) was called"
    if isinstance(exc, MemoryError):
        message = "memory limit exceeded" + (f" ({message})" if message else "")
    return StudentError(type(exc).__name__, message[:2000], where, "\n".join(lines))


def _short(filename: str | None, submission_dir: str) -> str:
    if not filename:
        return "?"
    return filename[len(submission_dir):].lstrip("/\\") if filename.startswith(submission_dir) else filename


def missing_attribute(target: object, name: str) -> StudentError:
    owner = getattr(target, "__name__", None) or type(target).__name__
    return StudentError(
        "AttributeError",
        f"{owner} has no attribute {name!r}. Keep the names given in the exercise "
        "(they are what the graders call).",
    )


def import_problem(module: str, error: StudentError) -> SubmissionProblem:
    if error.kind == "SyntaxError":
        text = f"{module}.py has a syntax error ({error.where}): {error.message}. Fix it so the file can be imported."
    elif error.not_implemented:
        text = (f"{module}.py raises NotImplementedError when imported ({error.where}): "
                "code at the top level of the file runs on import; fill in that part first.")
    else:
        text = f"Importing {module}.py failed: {error.kind}: {error.message}" + (
            f" ({error.where})" if error.where else "")
        if error.traceback:
            text += "\n" + error.traceback
    return SubmissionProblem(text)


class NotebookError(ValueError):
    """A submitted notebook that cannot be read back into files (here, not with the notebook
    code, so that reading submissions imports nbformat only when there is a notebook)."""
