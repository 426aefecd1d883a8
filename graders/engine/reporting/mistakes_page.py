"""``OUT/mistakes.html``: each cluster with its relation in words, a representative diff and figure."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .figures import plt, to_data_uri
from .reports import TEMPLATES, _environment

if TYPE_CHECKING:  # annotations only: mistakes imports this module when it writes the page
    from .mistakes import Analysis, Cluster, Instance

DIFF_ROWS = 6
DETAILED = 60  # clusters shown with a diff and a figure (all are in the table and the CSV)
_SIZE = re.compile(r"in(\d+)\.shape\[(\d+)\]")


def mistakes_page(analysis: Analysis) -> str:
    return _environment().get_template("mistakes.html.j2").render(
        assignment=analysis.assignment, clusters=analysis.clusters,
        details=[_view(c) for c in analysis.clusters[:DETAILED]],
        explained=analysis.explained, unmatched=analysis.unmatched,
        css=(TEMPLATES / "base.css").read_text(encoding="utf-8"))


def _view(cluster: Cluster) -> dict:
    example = cluster.example
    return {"cluster": cluster, "here": _sizes_here(cluster.key.param, example),
            "diff": _diff_rows(example), "figure": _figure(example, cluster.key.words()),
            "shapes": {"got": example.got.shape, "expected": example.expected.shape,
                       "inputs": [a.shape for a in example.case.inputs]}}


def _sizes_here(param: str, example: Instance) -> str:
    """'in3.shape[0] = 4' for the representative member: the parameter with this student's sizes."""
    sizes = []
    for k, axis in sorted(set(_SIZE.findall(param))):
        inputs = example.case.inputs
        if int(k) <= len(inputs) and int(axis) < inputs[int(k) - 1].ndim:
            sizes.append(f"in{k}.shape[{axis}] = {inputs[int(k) - 1].shape[int(axis)]}")
    return ", ".join(sizes)


def _diff_rows(example: Instance) -> list[tuple[str, str, str]]:
    """The first entries side by side (the student's and the right value), flattened."""
    got, expected = example.got.ravel(), example.expected.ravel()
    return [(str(i), f"{got[i]:.6g}" if i < got.size else "", f"{expected[i]:.6g}" if i < expected.size else "")
            for i in range(min(DIFF_ROWS, max(got.size, expected.size)))]


def _slope(example: Instance) -> float | None:
    """The factor relating the two, when the submission's values are a multiple of the right ones."""
    got, expected = example.got.ravel(), example.expected.ravel()
    norm = float(expected @ expected)
    if got.size != expected.size or norm == 0.0:
        return None
    slope = float(got @ expected) / norm
    return slope if example.case.close(got, slope * expected, abs(slope)) and abs(slope - 1) > 1e-9 else None


def _figure(example: Instance, words: str) -> str | None:
    got, expected = example.got.ravel(), example.expected.ravel()
    if got.size != expected.size:
        return None
    figure, axes = plt.subplots(figsize=(3.6, 3.0))
    axes.scatter(expected, got, s=14, color="#4c78a8")
    low = float(min(expected.min(), got.min()))
    high = float(max(expected.max(), got.max()))
    axes.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--", label="right")
    slope = _slope(example)
    if slope is not None:  # a factor: the submission's values lie on this line
        axes.plot([low, high], [slope * low, slope * high], color="#e45756", linewidth=0.8, label=f"× {slope:.3g}")
    axes.set_xlabel("right value")
    axes.set_ylabel("submission's value")
    axes.set_title(words if len(words) < 42 else words[:40] + "…", fontsize=9)
    axes.legend(loc="best", fontsize=8)
    return to_data_uri(figure)



