"""Turn feed and page HTML fragments into plain text, safely.

Hostile input is expected: deeply nested tags, unclosed ``<script>``, floods of
``<``. Every path here is linear in the input size and never raises.
"""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

_WS = re.compile(r"\s+")
# ``[^<>]`` (not ``[^>]``) keeps a flood of "<" linear: each attempt stops at the next "<".
_TAG = re.compile(r"<[^<>]{0,2000}>")
_BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "blockquote"})
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template")
_DROP_OPEN = re.compile(r"<(" + "|".join(_DROP) + r")\b", re.IGNORECASE)
_DROP_CLOSE = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in _DROP}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves (from JSON escapes): not encodable


def clean_text(text: str | None) -> str:
    """Collapse whitespace and remove control characters (non-strings give "")."""
    if not text or not isinstance(text, str):
        return ""
    return _WS.sub(" ", _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", text))).strip()


def _strip_tags(fragment: str) -> str:
    """Regex fallback: drop script-like elements with their content, then every tag.

    Scans forward only, so an unclosed ``<script>`` costs one pass, not one per opening.
    """
    parts: list[str] = []
    pos = 0
    while True:
        opening = _DROP_OPEN.search(fragment, pos)
        if opening is None:
            parts.append(fragment[pos:])
            break
        parts.append(fragment[pos : opening.start()])
        closing = _DROP_CLOSE[opening.group(1).lower()].search(fragment, opening.end())
        if closing is None:
            break  # unclosed: everything after it was the element's content
        pos = closing.end()
    return html.unescape(_TAG.sub(" ", " ".join(parts)))


def html_to_text(fragment: str | None) -> str:
    """Return the visible text of an HTML fragment; never raises (non-strings give "")."""
    if not fragment or not isinstance(fragment, str):
        return ""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    # libxml2 rejects or silently truncates at control characters and lone surrogates.
    fragment = _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", fragment))
    parser = lxml_html.HTMLParser(huge_tree=True)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div", parser=parser)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            # libxml2 stops at its nesting limit and silently drops the rest of the text.
            return clean_text(_strip_tags(fragment))
        for bad in list(root.iter(*_DROP)):
            bad.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag in _BLOCK:
                element.tail = " " + (element.tail or "")
        text = root.text_content()
    except (etree.ParserError, ValueError, TypeError, AssertionError):
        # lxml.html asserts on some shapes ("<!DOCTYPE><script>": "too many bodies").
        text = _strip_tags(fragment)
    return clean_text(text)
