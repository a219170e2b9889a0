"""Untrusted post content is escaped in every digest format and in the e-mail.

Hostile posts reach storage two ways: through a real feed (``pantau run --once``
against the loopback server) and directly as a collector of plain-text
platforms (X, Reddit) would store them, untouched by HTML stripping. The digest
is then rendered as HTML, Markdown and text and inspected structurally.
"""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from pantau.cli import cli
from pantau.config import load_config
from pantau.errors import PipelineError
from pantau.models import Post
from pantau.pipeline import process_pending
from processing.resources import build_resources
from reports.digest import build_digest
from reports.email import build_message
from storage import posts as post_store
from storage.db import open_db
from tests.loopback import LoopbackServer
from tests.reliability import faults as F

DAY = date(2026, 11, 27)
WHEN = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
BASE = "Jalan rusak parah di Cibinong Kabupaten Bogor, PUPR tolong perbaiki. "

HOSTILE = [
    ("<script>alert('judul')</script>" + BASE, BASE + "<script>alert('isi')</script>", "https://ok.example/1"),
    ("<img src=x onerror=alert(1)> " + BASE, BASE + "<svg onload=alert(2)>", "javascript:alert(3)"),
    ("</style><style>body{display:none}</style>" + BASE, BASE + "x{background:url(javascript:alert(4))}", "JaVaScRiPt:alert(5)"),
    ('" style="width:expression(alert(6))" x="' + BASE, BASE + "expression(alert(7))", " javascript:alert(8)"),
    ("<a href='javascript:alert(9)'>klik</a> " + BASE, BASE + "[klik](javascript:alert(10))", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4="),
    ("**tebal** _miring_ # judul | tabel " + BASE, BASE + "![gambar](https://evil.example/x.png)", "https://ok.example/a)(javascript:alert(12)"),
    ("\x1b[2J\x1b[31mMERAH\x07 " + BASE, BASE + "\u202eteks terbalik\u202c \x00 nul", "vbscript:msgbox(13)"),
    ('Judul "kutip" & <b>tebal</b> ' + BASE, BASE + "&lt;script&gt;alert(14)&lt;/script&gt;", 'https://ok.example/"onmouseover="alert(15)'),
    ("Subject: x\r\nBcc: mata-mata@example.com " + BASE, BASE + "\r\n\r\n<html>", "https://ok.example/\r\nSet-Cookie: x=1"),
]  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "style",
    "href",
    "rel",
    "class",
    "id",
    "lang",
    "charset",
    "name",
    "content",
    "role",
    # Our own layout tables and embedded chart images.
    "alt",
    "cellpadding",
    "cellspacing",
    "src",
    "title",
    "width",
}


def _store_direct(db_path: Path) -> None:
    config = load_config(F.ROOT / "config.yaml")
    db = open_db(db_path)
    posts = [
        Post(source="langsung", kind="x", external_id=f"h{i}", text=text, title=title, url=url,
             author="<b>@penyerang</b>", published_at=WHEN)
        for i, (title, text, url) in enumerate(HOSTILE)
    ]  # fmt: skip
    post_store.save_batch(db, posts)
    process_pending(db, build_resources(config))
    db.close()


def _store_via_feed(server: LoopbackServer, tmp_path: Path, db_path: Path) -> Path:
    # XML 1.0 cannot carry most control characters: those reach storage only directly.
    xml_ok = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
    items = [
        F.Item(f"f{i}", xml_ok.sub("", title), xml_ok.sub("", text), published=WHEN)
        for i, (title, text, _url) in enumerate(HOSTILE)
    ]
    server.route(F.RSS.route("umpan"), F.RSS.good(items))
    sources = [F.RSS.source("umpan", server.url + F.RSS.route("umpan"))]
    config = F.write_config(tmp_path / "config.yaml", F.base_config(db_path, sources))
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    return config


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: Any) -> dict[str, str]:
    from tests.loopback import loopback

    tmp_path = tmp_path_factory.mktemp("escaping")
    db_path = tmp_path / "pantau.db"
    with loopback() as server:
        config_path = _store_via_feed(server, tmp_path, db_path)
    _store_direct(db_path)
    out: dict[str, str] = {}
    for fmt in ("html", "md", "txt"):
        target = tmp_path / f"digest.{fmt}"
        result = CliRunner().invoke(
            cli,
            ["--config", str(config_path), "digest", "--date", DAY.isoformat(), "--format", fmt,
             "--out", str(target)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        out[fmt] = target.read_text(encoding="utf-8")
    config = load_config(config_path)
    db = open_db(db_path, readonly=True)
    digest = build_digest(db, config, DAY)
    out["posts"] = str(len(digest.needs_answer) + sum(len(s.posts) for s in digest.departments))
    out["_digest"] = digest  # type: ignore[assignment]
    out["_config"] = config  # type: ignore[assignment]
    return out


def test_hostile_posts_are_in_the_digest(rendered: dict[str, str]) -> None:
    """The test is only meaningful if the hostile posts are actually rendered."""
    assert int(rendered["posts"]) >= len(HOSTILE)
    assert "alert" in rendered["html"] and "alert" in rendered["md"]


def test_html_has_no_active_content(rendered: dict[str, str]) -> None:
    page = rendered["html"]
    tree = lxml_html.document_fromstring(page)
    for bad in (
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "svg",
        "form",
        "base",
        "meta[@http-equiv]",
    ):
        assert not tree.xpath(f"//{bad}"), bad
    # Only our own charts, embedded as PNG data (files) or cid: parts (e-mail).
    for img in tree.xpath("//img"):
        src = img.get("src", "")
        assert src.startswith(("data:image/png;base64,", "cid:")), src
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert name in ALLOWED_ATTRIBUTES, (element.tag, name, value)
            if name == "style":
                assert "expression" not in value and "url(" not in value, value
            if name == "href":
                assert re.match(r"^https?://", value), value
                assert not any(c in value for c in '\r\n"<>'), value
    assert "&lt;script&gt;" in page  # content kept, as text


def test_markdown_has_no_raw_html_or_unsafe_links(rendered: dict[str, str]) -> None:
    text = rendered["md"]
    assert "<" not in text, text[text.index("<") - 80 : text.index("<") + 80]
    for target in re.findall(r"\]\(([^)]*)\)", text):
        assert target.startswith(("http://", "https://")), target
    assert not re.search(r"(?i)\]\(\s*(javascript|data|vbscript):", text)
    assert "\x1b" not in text and "\r" not in text


def test_text_has_no_control_or_bidi_characters(rendered: dict[str, str]) -> None:
    text = rendered["txt"]
    bad = [c for c in text if c != "\n" and not c.isprintable()]
    assert bad == [], sorted({hex(ord(c)) for c in bad})
    for line in text.splitlines():
        if "://" in line or ":" in line.strip()[:12]:
            stripped = line.strip()
            assert not re.match(r"(?i)(javascript|data|vbscript):", stripped), line


def test_email_headers_cannot_be_injected(rendered: dict[str, str]) -> None:
    config = rendered["_config"]  # type: ignore[assignment]
    digest = rendered["_digest"]  # type: ignore[assignment]
    smtp = config.report.smtp.model_copy(
        update={"sender": "pantau@bogorkab.go.id\r\nBcc: a@evil.example"}
    )
    report = config.report.model_copy(update={"smtp": smtp})
    config = config.model_copy(update={"report": report})  # type: ignore[attr-defined]
    recipients = ["humas@bogorkab.go.id\r\nBcc: b@evil.example", "kepala@bogorkab.go.id\nX-Evil: 1"]
    # An address carrying extra headers is refused outright, with one line.
    with pytest.raises(PipelineError, match="is not one valid e-mail address"):
        build_message(digest, config, recipients)  # type: ignore[arg-type]
    subject_config = rendered["_config"]  # type: ignore[assignment]
    digest = replace(digest, day=digest.day)  # type: ignore[type-var]
    message = build_message(digest, subject_config, ["humas@bogorkab.go.id"])  # type: ignore[arg-type]
    raw = message.as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    for name in ("Subject", "From", "To"):
        assert "\n" not in str(parsed[name]) and "\r" not in str(parsed[name])
    header_block = raw.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in header_block and b"\nX-Evil:" not in header_block
    html_part = parsed.get_body(("html",))
    assert html_part is not None and "<script" not in html_part.get_content().lower()


@pytest.mark.parametrize(
    "value",
    [
        "Ringkasan\r\nBcc: a@evil.example",
        "x\nSubject: palsu",
        "x\rX-Evil: 1",
        "\r\n\r\n<html>badan",
    ],
)
def test_header_strips_line_breaks(value: str) -> None:
    from email.message import EmailMessage

    from reports.email import clean_header

    cleaned = clean_header(value)
    assert "\r" not in cleaned and "\n" not in cleaned
    message = EmailMessage()
    message["Subject"] = cleaned  # the library accepts it: no line break survives
    assert message.as_bytes().count(b"\nSubject:") + message.as_bytes().startswith(b"Subject:") == 1
