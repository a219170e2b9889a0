"""Shared parsing of cursors and saved payloads (JSON or JSON Lines)."""

from __future__ import annotations

import json
from typing import Any

from pantau.errors import CollectorError


def json_cursor(cursor: str | None) -> dict[str, Any]:
    """Decode a JSON-object cursor; anything else (None, garbage, a list) is an empty one."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def json_documents(payload: bytes, source: str) -> list[Any]:
    """Read a saved payload: one JSON document, a JSON list, or JSON Lines."""
    text = payload.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise CollectorError(
                f"payload is not JSON or JSON Lines: {exc}", source=source
            ) from None
    return data if isinstance(data, list) else [data]
