"""One department's part of a digest, for that department's own recipients."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from reports.digest import (
    ASPIRASI_ORDER,
    COMPLAINTS,
    NEEDS_ANSWER,
    DepartmentSection,
    Digest,
    by_count,
    story_order,
)
from reports.health import HealthReport


def department_digest(digest: Digest, code: str) -> Digest:
    """Return the part of ``digest`` that concerns one department (for its own recipients)."""
    section = next((s for s in digest.departments if s.code == code), None)
    mine = section.posts if section else ()
    candidates = {p.id: p for p in digest.needs_answer if code in p.departments}
    candidates.update((p.id, p) for p in mine if p.aspirasi in NEEDS_ANSWER)
    needs = tuple(sorted(candidates.values(), key=story_order))
    counts = dict(section.aspirasi) if section else {}
    complaints = Counter(k for p in needs if p.aspirasi in COMPLAINTS for k in p.kecamatan)
    return replace(
        digest,
        total=section.total if section else 0,
        relevant=section.total if section else 0,
        duplicates=sum(p.repeats - 1 for p in mine),
        not_relevant=0,
        aspirasi_counts={k: counts.get(k, 0) for k in ASPIRASI_ORDER},
        needs_answer=needs,
        needs_answer_more=0,
        needs_by_department=tuple(n for n in digest.needs_by_department if n[0] == code),
        departments=(section,) if section else (),
        kecamatan=by_count(Counter(k for p in mine for k in p.kecamatan)),
        kecamatan_complaints=by_count(complaints),
        untagged=(),
        mean_7d=section.mean_7d if section else 0.0,
        change_7d=_change(section),
        spikes=tuple(s for s in digest.spikes if s.kind == "department" and s.key == code),
        health=HealthReport(0, ()),
        scope=code,
    )


def _change(section: DepartmentSection | None) -> float | None:
    if section is None or not section.mean_7d:
        return None
    return (section.total - section.mean_7d) / section.mean_7d
