"""Hostile post content is escaped in every format (HTML, Markdown, text, e-mail)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.digest import build_digest
from reports.email import build_message
from reports.render import render
from reports.service import department_names, render_file
from storage.db import open_db
from tests.reports.fixed import DAY, NOW, Item, fixed_config, insert_items, local

LONG = "A" * 500
SCRIPT = "<script>alert('x')</script>"


def _hostile_items() -> list[Item]:
    return [
        Item("evil-1", local(DAY, 9), f"{SCRIPT}<b>Judul</b> <img src=x onerror=alert(1)>",
             f"Isi {SCRIPT} [klik](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a> {LONG}",
             departments=("pupr",), kecamatan=("Cibinong",), aspirasi="keluhan",
             url="javascript:alert(document.cookie)"),
        Item("evil-2", local(DAY, 10), "# Heading *bold* `code` | pipe | ![img](http://e/x.png)",
             "Teks biasa\r\nBcc: korban@example.com\x00\x1b[31m", departments=("pupr",),
             aspirasi="permintaan", url='https://ok.example.com/a"onmouseover="alert(1)'),
        Item("evil-3", local(DAY, 11), LONG, LONG, departments=("dlh",), aspirasi="keluhan",
             url="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ]  # fmt: skip


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


ALLOWED = {"html", "head", "meta", "title", "body", "div", "h1", "h2", "h3", "p", "span", "b",
           "strong", "a", "table", "tr", "td", "th", "img", "br"}  # fmt: skip


def _assert_safe_html(html: str) -> None:
    parser = _Collect()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert value and re.match(r"^(https?:|data:image/png;base64,|cid:)", value), value


def test_hostile_content_escaped_everywhere(tmp_path) -> None:
    db = open_db(tmp_path / "h.db")
    insert_items(db, _hostile_items())
    config = fixed_config()
    digest = build_digest(db, config, DAY, now=NOW)
    html = render_file(digest, "html", config)
    md = render(digest, "md", department_names(config))
    txt = render(digest, "txt", department_names(config))

    _assert_safe_html(html)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "href='javascript" not in html
    assert 'src="data:text' not in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&\u200blt;" not in html  # no break point inside an entity
    assert LONG not in html  # broken with zero-width spaces so it wraps
    assert "A" * 40 + "\u200b" in html

    assert "<script" not in md and "&lt;script&gt;" in md
    assert "](javascript" not in md and "](data:" not in md
    assert "\\# Heading \\*bold\\* \\`code\\` \\| pipe \\|" in md
    assert "\\!\\[img\\]" in md
    assert LONG not in md

    assert "\x00" not in txt and "\x1b" not in txt and "\r" not in txt
    assert "Bcc: korban" not in txt.split("\n\n")[0]
    assert all(len(line) <= 100 or line.strip().startswith("http") for line in txt.splitlines())
    assert "javascript:" not in "".join(
        line for line in txt.splitlines() if line.strip().startswith(("http", "javascript"))
    )

    message = build_message(digest, config, ["humas@bogorkab.go.id"])
    assert message["Bcc"] is None
    raw = message.as_string()
    assert "\nBcc:" not in raw
    db.close()


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)


def _digest_with(title: str, text: str, url: str, kec: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from collectors.urls import safe_link
    from reports.digest import Digest
    from reports.stories import DigestPost, excerpt
    from tests.reports.fixed import DAY

    post = DigestPost(id=1, title=title or "(tanpa judul)", excerpt=excerpt(text), source="src",
                      kind="x", author=None, time_local="09:00", url=safe_link(url),
                      departments=("pupr",), kecamatan=(kec,), aspirasi="keluhan", sentiment=-1.0,
                      terms=(title[:20],), repeats=2, reach=3, sources=("src", text[:10]))  # fmt: skip
    digest = Digest(day=DAY, timezone="Asia/Jakarta", generated_at="2026-11-28 07:00", total=1,
                    relevant=1, duplicates=0, not_relevant=0,
                    aspirasi_counts={"keluhan": 1, "permintaan": 0, "pertanyaan": 0,
                                     "apresiasi": 0, "informasi": 0},
                    needs_answer=(post,), departments=(), kecamatan=((kec, 1),),
                    kecamatan_complaints=((kec, 1),))  # fmt: skip
    return replace(digest)


@settings(max_examples=60, deadline=None)
@given(title=_TEXT, text=_TEXT, url=_TEXT, kec=_TEXT)
def test_any_post_renders_safely_in_every_format(title: str, text: str, url: str, kec: str) -> None:
    digest = _digest_with(title, text, url, kec)
    html = render(digest, "html", {"pupr": "Dinas PUPR"})
    _assert_safe_html(html)
    md = render(digest, "md", {"pupr": "Dinas PUPR"})
    assert "<" not in md.replace("&lt;", "")
    assert not re.search(r"\]\((?!https?:)", md)  # every Markdown link target is http(s)
    txt = render(digest, "txt", {"pupr": "Dinas PUPR"})
    assert all(c.isprintable() or c == "\n" for c in txt)


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=200), text=st.text(max_size=300))
def test_escaping_filters(title: str, text: str) -> None:
    from reports.render import breakable, md_escape, plain

    post_html = str(breakable(title))
    assert "<" not in post_html and ">" not in post_html
    assert '"' not in post_html.replace("&#34;", "")
    escaped = md_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"(?<!\\)\[", escaped)
    assert all(c.isprintable() for c in plain(title))
