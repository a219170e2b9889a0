"""Turn feed and page HTML fragments into plain text, safely."""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "blockquote"})
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """Collapse whitespace and remove control characters."""
    if not text:
        return ""
    return _WS.sub(" ", _CONTROL.sub(" ", text)).strip()


def html_to_text(fragment: str | None) -> str:
    """Return the visible text of an HTML fragment; never raises."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        for bad in list(root.iter(*_DROP)):
            bad.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag in _BLOCK:
                element.tail = " " + (element.tail or "")
        text = root.text_content()
    except (etree.ParserError, ValueError, TypeError):
        text = html.unescape(_TAG.sub(" ", fragment))
    return clean_text(text)
