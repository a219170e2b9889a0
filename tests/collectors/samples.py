"""Where the shared real samples live: ``../shared/real-samples`` from the repo root.

A git worktree sits one level deeper (``/work/wt/<name>``), so look one level up too.
"""

from __future__ import annotations

from tests.conftest import ROOT, SHARED_SAMPLES

REAL_SAMPLES = next(
    (p for p in (SHARED_SAMPLES, ROOT.parent.parent / "shared" / "real-samples") if p.exists()),
    SHARED_SAMPLES,
)
