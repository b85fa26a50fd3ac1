"""The evaluation report's figures as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from ftaudit.evaluate.metrics import ATTACK_FPR, ConfigMetrics, roc_points
from ftaudit.evaluate.store import AuditRow

_DPI = 110


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)  # headless; never opens a window
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def roc_png(rows_by_config: dict[str, Sequence[AuditRow]], metrics: Sequence[ConfigMetrics]) -> bytes:
    """ROC curves of every configuration on one pair of axes, the 1% and 5% FPR lines marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    auc = {m.config: m.auroc.value for m in metrics}
    for name, rows in rows_by_config.items():
        curve = roc_points(rows)
        if curve is None:
            continue
        fpr, tpr = curve
        label = f"{name} (AUROC {auc[name]:.3f})" if auc.get(name) is not None else name
        # Straight segments, not steps: tied scores (common with whole-number risk scores) move
        # FPR and TPR together, and the segment joining them is the curve AUROC integrates.
        ax.plot(fpr, tpr, label=label, linewidth=1.8, marker=".", markersize=4)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
    for x in (0.01, 0.05):
        ax.axvline(x, color="grey", linestyle="--", linewidth=0.7)
    ax.set_xlabel("false-positive rate (benign jobs flagged)")
    ax.set_ylabel("true-positive rate (attacks flagged)")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_title("ROC per configuration")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def scores_png(rows_by_config: dict[str, Sequence[AuditRow]], metrics: Sequence[ConfigMetrics]) -> bytes:
    """Score histograms, benign versus adversarial, one panel per configuration, the 1%-FPR threshold marked."""
    plt = _pyplot()
    names = list(rows_by_config)
    cols = min(3, max(1, len(names)))
    nrows = -(-len(names) // cols) or 1
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
    bins = np.arange(0, 10.51, 0.5)
    thresholds = {m.config: m.point(ATTACK_FPR).threshold if any(abs(p.target_fpr - ATTACK_FPR) < 1e-12 for p in m.points)
                  else None for m in metrics}
    for ax, name in zip(axes.flat, names):
        rows = rows_by_config[name]
        benign = [r.score for r in rows if r.label == "benign" and r.score is not None]
        adversarial = [r.score for r in rows if r.label == "adversarial" and r.score is not None]
        ax.hist(benign, bins=bins, alpha=0.6, label=f"benign ({len(benign)})", color="#1f7a3d")
        ax.hist(adversarial, bins=bins, alpha=0.6, label=f"adversarial ({len(adversarial)})", color="#b3261e")
        t = thresholds.get(name)
        if t is not None and t <= 10:
            ax.axvline(t, color="black", linestyle="--", linewidth=1)
        inconclusive = sum(1 for r in rows if r.score is None)
        ax.set_title(name + (f" · {inconclusive} inconclusive" if inconclusive else ""), fontsize=9)
        ax.set_xlim(0, 10.5)
        ax.set_xlabel("risk score", fontsize=8)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return _png(fig)
