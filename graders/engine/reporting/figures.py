"""Figures for the HTML reports, drawn with matplotlib and embedded as PNG data URIs."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def to_data_uri(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_figure(spec: dict[str, Any]) -> str:
    """A figure a grader recorded with the ``plot`` fixture."""
    figure, axes = plt.subplots(figsize=(4.8, 3.4))
    kind = spec["kind"]
    if kind == "line":
        y = spec["y"]
        axes.plot(spec.get("x", range(len(y))), y, linewidth=1.2)
    elif kind == "scatter":
        x, y = np.asarray(spec["x"]), np.asarray(spec["y"])
        axes.scatter(x, y, s=12, alpha=0.8)
        low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
        axes.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--", label="equal")
        axes.legend(loc="best", fontsize=8)
    elif kind == "field":
        z = np.asarray(spec["z"])
        limit = float(np.max(np.abs(z))) or 1.0  # centred: zero, the decision, is the neutral colour
        image = axes.imshow(z, origin="lower", extent=spec.get("extent"), cmap="coolwarm", aspect="auto",
                            vmin=-limit, vmax=limit)
        figure.colorbar(image, ax=axes)
        if z.min() < 0 < z.max():
            x0, x1, y0, y1 = spec.get("extent", [0, z.shape[1], 0, z.shape[0]])
            axes.contour(np.linspace(x0, x1, z.shape[1]), np.linspace(y0, y1, z.shape[0]), z, levels=[0],
                         colors="white", linestyles="--", linewidths=1.2)
            axes.plot([], [], color="white", linestyle="--", label="your boundary (output 0)")
        if "boundary" in spec:
            xs = np.linspace(*spec["extent"][:2], 50)
            axes.plot(xs, np.polyval(spec["boundary"], xs), color="black", linewidth=1, label="true rule")
            axes.set_ylim(*spec["extent"][2:])
            axes.legend(loc="best", fontsize=8)
    else:
        axes.text(0.5, 0.5, f"(unknown figure kind {kind!r})", ha="center")
    axes.set_title(spec.get("title", ""), fontsize=10)
    axes.set_xlabel(spec.get("xlabel", ""))
    axes.set_ylabel(spec.get("ylabel", ""))
    return to_data_uri(figure)


def score_distributions(exercises: list[str], scores: dict[str, list[float]], maxima: dict[str, float]) -> str:
    """One small histogram per exercise: the share of the class at each score."""
    columns = min(4, max(1, len(exercises)))
    rows = -(-len(exercises) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.4 * rows), squeeze=False)
    for axes, name in zip(grid.flat, exercises):
        axes.hist(scores[name], bins=np.linspace(0, maxima[name] or 1, 11), color="#4c78a8", edgecolor="white")
        axes.set_title(f"{name} (max {maxima[name]:g})", fontsize=9)
        axes.set_xlim(0, maxima[name] or 1)
    for axes in list(grid.flat)[len(exercises):]:
        axes.axis("off")
    figure.suptitle("Points per exercise across the class", fontsize=11)
    figure.tight_layout()
    return to_data_uri(figure)


def totals_histogram(totals: list[float], maximum: float) -> str:
    figure, axes = plt.subplots(figsize=(5, 2.8))
    axes.hist(totals, bins=np.linspace(0, maximum or 1, 21), color="#f58518", edgecolor="white")
    axes.set_xlabel("total points")
    axes.set_ylabel("submissions")
    axes.set_title(f"Total scores (max {maximum:g})", fontsize=10)
    return to_data_uri(figure)
