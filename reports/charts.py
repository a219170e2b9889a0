"""Small, deterministic PNG charts for the digest (matplotlib, Agg, no pyplot state).

Each chart is a ``Figure`` rendered straight to PNG bytes with the ``Software``
metadata removed, so the same data always gives the same bytes on one machine.
HTML files embed them as ``data:`` URIs; e-mails attach them by Content-ID.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from reports.digest import Digest  # noqa: E402

DPI = 100
RED = "#b91c1c"
GREY = "#9ca3af"
BLUE = "#2563eb"
TEXT = "#374151"
MAX_KECAMATAN = 12
_HARI = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style(ax) -> None:  # type: ignore[no-untyped-def]
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GREY)
    ax.tick_params(colors=TEXT, labelsize=8, length=0)


def trend_chart(values: Sequence[int], day: date, mean: float, *, spike: bool = False) -> bytes:
    """Bars of the last days (today highlighted) with the 7-day mean as a dashed line."""
    fig = Figure(figsize=(3.4, 1.3), dpi=DPI)
    ax = fig.add_axes((0.04, 0.22, 0.92, 0.62))
    n = len(values)
    days = [day - timedelta(days=n - 1 - i) for i in range(n)]
    colors = [GREY] * (n - 1) + [RED if spike else BLUE]
    ax.bar(range(n), values, color=colors, width=0.7)
    ax.axhline(mean, color=TEXT, linewidth=0.8, linestyle=(0, (3, 2)))
    ax.set_xticks(range(n), [_HARI[d.weekday()] for d in days[:-1]] + ["Hari ini"])
    ax.set_yticks([])
    top = max(max(values, default=0), mean, 1)
    ax.set_ylim(0, top * 1.3)
    for i, v in enumerate(values):
        ax.text(i, v + top * 0.04, str(v), ha="center", va="bottom", fontsize=7, color=TEXT)
    ax.set_title(f"rata-rata 7 hari: {mean:.1f}".replace(".", ","), fontsize=8, color=TEXT,
                 loc="left", pad=2)  # fmt: skip
    _style(ax)
    return _png(fig)


def kecamatan_chart(counts: Sequence[tuple[str, int]]) -> bytes:
    """Horizontal bars: complaints per kecamatan, largest on top (at most 12)."""
    shown = list(counts[:MAX_KECAMATAN])
    height = 0.26 * max(len(shown), 1) + 0.2
    fig = Figure(figsize=(5.6, height), dpi=DPI)
    ax = fig.add_axes((0.3, 0.1 / height, 0.62, 1 - 0.2 / height))
    names = [name for name, _ in reversed(shown)]
    values = [n for _, n in reversed(shown)]
    ax.barh(range(len(values)), values, color=RED, height=0.65)
    ax.set_yticks(range(len(values)), names)
    ax.set_xticks([])
    top = max(values, default=1)
    for i, v in enumerate(values):
        ax.text(v + top * 0.02, i, str(v), va="center", fontsize=8, color=TEXT)
    ax.set_xlim(0, top * 1.15)
    ax.set_ylim(-0.6, len(values) - 0.4)
    _style(ax)
    ax.spines["bottom"].set_visible(False)
    return _png(fig)


def digest_charts(digest: Digest) -> dict[str, bytes]:
    """Render every chart the digest shows, keyed by image name."""
    charts: dict[str, bytes] = {}
    for section in digest.departments:
        if section.trend:
            charts[f"trend-{section.code}"] = trend_chart(
                section.trend, digest.day, section.mean_7d, spike=section.spike
            )
    if digest.kecamatan_complaints:
        charts["kecamatan"] = kecamatan_chart(digest.kecamatan_complaints)
    return charts


def data_uris(charts: Mapping[str, bytes]) -> dict[str, str]:
    """Image sources for a standalone HTML file: ``data:image/png;base64,...``."""
    return {
        name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for name, png in charts.items()
    }


def content_ids(charts: Mapping[str, bytes], domain: str = "pantau") -> dict[str, str]:
    """Image sources for an e-mail: ``cid:<name>@<domain>`` (attach with the same id)."""
    return {name: f"cid:{name}@{domain}" for name in charts}
