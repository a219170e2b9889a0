"""Render a :class:`Digest` as HTML, Markdown or plain text (Jinja2, everything escaped).

HTML autoescapes every value; Markdown escapes its syntax and raw HTML; plain text
drops control characters. Links are only ever http(s) (checked in ``digest``).
Very long words get zero-width break points (HTML, Markdown) or are wrapped (text).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from reports.digest import ASPIRASI_LABEL, Digest, short_name

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")
_LONG_WORD = re.compile(r"(\S{40})(?=\S)")
_BARS = "▁▂▃▄▅▆▇█"
PROBLEM_LABEL = {
    "gagal": "Gagal",
    "dibatasi": "Dibatasi",
    "dilewati": "Dilewati",
    "senyap": "Senyap",
    "belum_jalan": "Belum jalan",
}


def tanggal(value: Any) -> str:
    """Format a date the Indonesian way: ``Sabtu, 28 November 2026``."""
    return f"{HARI[value.weekday()]}, {value.day} {BULAN[value.month - 1]} {value.year}"


def _break(text: str) -> str:
    return _LONG_WORD.sub("\\1\u200b", text)


def md_escape(value: Any) -> str:
    """Escape Markdown syntax and raw HTML in untrusted text; break very long words."""
    text = _break(plain(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(value: Any) -> str:
    """Make an (already http/https-checked) URL safe inside Markdown ``(...)``."""
    text = str(value or "")
    for char, code in (("(", "%28"), (")", "%29"), (" ", "%20"), ("<", "%3C"), (">", "%3E")):
        text = text.replace(char, code)
    return text


def breakable(value: Any) -> Markup:
    """HTML-escape and let very long words wrap (zero-width break every 40 chars)."""
    return Markup(str(escape(_break(plain(value)))))


def plain(value: Any) -> str:
    """Collapse whitespace and control characters for plain text output."""
    text = "".join(c if c.isprintable() else " " for c in str(value or ""))
    return " ".join(text.split())


def wrap(value: Any, indent: int = 4, width: int = 78) -> str:
    """Plain text wrapped at ``width`` (long words broken), continuation lines indented."""
    pad = " " * indent
    return textwrap.fill(plain(value), width=width, initial_indent="", subsequent_indent=pad,
                         break_long_words=True, break_on_hyphens=False)  # fmt: skip


def sparkline(values: Sequence[int]) -> str:
    """A text trend: ``▁▃▂▅▇`` scaled to the largest value."""
    top = max(values, default=0)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(len(_BARS) - 1, round(v / top * (len(_BARS) - 1)))] for v in values)


def angka(value: float, digits: int = 1) -> str:
    """A number with the Indonesian decimal comma: ``4,3``; whole numbers without."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".replace(".", ",")


def persen(change: float | None) -> str:
    """Signed percentage change, or ``-`` when there is no baseline."""
    if change is None:
        return "-"
    return f"{change * 100:+.0f}%"


ZONE_LABEL = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}  # fmt: skip


def zone_label(timezone: str) -> str:
    """Indonesian name of a time zone (``WIB``), else the IANA name."""
    return ZONE_LABEL.get(timezone, timezone)


def topic_label(code: str) -> str:
    """Human label of a topic code: ``jalan_rusak`` -> ``jalan rusak``."""
    return code.replace("_", " ")


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
        tanggal=tanggal, md=md_escape, md_url=md_url, breakable=breakable, plain=plain,
        wrap=wrap, sparkline=sparkline, angka=angka, persen=persen, topic=topic_label,
        short=short_name,
    )  # fmt: skip
    env.globals["label"] = ASPIRASI_LABEL
    env.globals["problem_label"] = PROBLEM_LABEL
    return env


_ENV = _environment()


def render(
    digest: Digest,
    fmt: str,
    departments: Mapping[str, str] | None = None,
    *,
    images: Mapping[str, str] | None = None,
) -> str:
    """Render ``digest`` as ``html``, ``md`` or ``txt``.

    ``departments`` maps codes to names; ``images`` maps chart names to image
    sources (``data:`` URIs for a file, ``cid:`` for an e-mail; HTML only).
    """
    template = _ENV.get_template(f"digest.{fmt}.j2")
    names = {code: plain(name) for code, name in
             (departments or {s.code: s.name for s in digest.departments}).items()}  # fmt: skip
    scope_name = names.get(digest.scope, digest.scope) if digest.scope else None
    return template.render(d=digest, names=names, images=dict(images or {}), scope=scope_name,
                           zona=zone_label(digest.timezone))  # fmt: skip


def render_template(name: str, **context: Any) -> str:
    """Render another template of ``reports/templates`` (alerts) with the same filters."""
    return _ENV.get_template(name).render(**context)
