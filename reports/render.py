"""Render a :class:`Digest` as HTML, Markdown or plain text (Jinja2, everything escaped)."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from reports.digest import ASPIRASI_LABEL, Digest

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")
_LONG_WORD = re.compile(r"(\S{60})(?=\S)")


def tanggal(value: Any) -> str:
    """Format a date the Indonesian way: ``Sabtu, 28 November 2026``."""
    return f"{HARI[value.weekday()]}, {value.day} {BULAN[value.month - 1]} {value.year}"


def md_escape(value: Any) -> str:
    """Escape Markdown syntax and raw HTML in untrusted text."""
    text = str(value or "")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def md_url(value: Any) -> str:
    """Make an (already http/https-checked) URL safe inside Markdown ``(...)``."""
    text = str(value or "")
    for char, code in (("(", "%28"), (")", "%29"), (" ", "%20"), ("<", "%3C"), (">", "%3E")):
        text = text.replace(char, code)
    return text


def breakable(value: Any) -> Markup:
    """HTML-escape and let very long words wrap (zero-width break every 60 chars)."""
    return Markup(_LONG_WORD.sub("\\1\u200b", str(escape(value or ""))))


def plain(value: Any) -> str:
    """Collapse whitespace and control characters for plain text output."""
    text = "".join(c if c.isprintable() else " " for c in str(value or ""))
    return " ".join(text.split())


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        tanggal=tanggal, md=md_escape, md_url=md_url, breakable=breakable, plain=plain
    )
    env.globals["label"] = ASPIRASI_LABEL
    return env


_ENV = _environment()


def render(
    digest: Digest, fmt: str, departments: dict[str, str] | None = None, **extra: Any
) -> str:
    """Render ``digest`` as ``html``, ``md`` or ``txt``."""
    template = _ENV.get_template(f"digest.{fmt}.j2")
    names = departments or {s.code: s.name for s in digest.departments}
    return template.render(d=digest, names=names, **extra)
