"""``pantau tag``: JSON Lines in, one analysed JSON line out per input line, in order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from processing.pipeline import analyze
from processing.resources import Resources


def tag_line(line: str, resources: Resources) -> str:
    """Analyse one input line; invalid input still yields a line (with ``error``)."""
    error = None
    item: Any
    try:
        item = json.loads(line) if line.strip() else {}
    except ValueError as exc:
        item, error = {}, f"invalid JSON: {getattr(exc, 'msg', exc)}"
    if not isinstance(item, dict):
        item, error = {}, "expected a JSON object"
    text = item.get("text")
    title = item.get("title")
    if text is not None and not isinstance(text, str):
        text, error = str(text), error or "text is not a string"
    if title is not None and not isinstance(title, str):
        title, error = str(title), error or "title is not a string"
    analysis = analyze(
        resources,
        text or "",
        title,
        item.get("kind") if isinstance(item.get("kind"), str) else None,
    )
    out: dict[str, Any] = {"id": item.get("id")}
    out.update(analysis.to_dict())
    if error:
        out["error"] = error
    text = json.dumps(out, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates ("\ud800" in the input JSON) cannot be written as UTF-8:
        # keep them \u-escaped, which is still valid JSON.
        text = json.dumps(out)
    return text


def tag_stream(lines: Iterable[str], resources: Resources) -> Iterator[str]:
    """Tag every line of ``lines`` (a trailing newline is not a line)."""
    for line in lines:
        yield tag_line(line.rstrip("\n"), resources)
