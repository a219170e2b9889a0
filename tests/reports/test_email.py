from __future__ import annotations

import pytest

from pantau.errors import PipelineError
from reports.digest import build_digest
from reports.email import build_message, clean_address, clean_header, send_digests
from tests.reports.fixed import DAY, NOW, fixed_config
from tests.reports.smtp_server import PASSWORD, USER, smtp_server


def _parts(message):  # type: ignore[no-untyped-def]
    return [(p.get_content_type(), p) for p in message.walk()]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_digest_delivered_over_tls_with_login(fixed_db, tmp_path, monkeypatch, security) -> None:
    monkeypatch.setenv("PANTAU_TEST_SMTP_USER", USER)
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASS", PASSWORD)
    with smtp_server(tmp_path, security) as (inbox, port, ctx):
        config = fixed_config(smtp={"host": "127.0.0.1", "port": port, "security": security,
                                    "username_env": "PANTAU_TEST_SMTP_USER",
                                    "password_env": "PANTAU_TEST_SMTP_PASS", "timeout_seconds": 10})  # fmt: skip
        digest = build_digest(fixed_db, config, DAY, now=NOW)
        sent = send_digests(digest, config, tls_context=ctx)
    assert sent == 2  # humas + DLH (pupr has an empty list)
    assert inbox.logins == [USER, USER]
    full, dlh = inbox.messages
    assert inbox.envelopes[0][1] == ["humas@bogorkab.go.id"]
    assert inbox.envelopes[1][1] == ["dlh@bogorkab.go.id"]
    assert full["Subject"] == "Pantau: 12 perlu ditanggapi - Jumat, 27 November 2026"
    assert (
        dlh["Subject"].strip()
        == "Pantau Dinas Lingkungan Hidup: 9 perlu ditanggapi - Jumat, 27 November 2026"
    )

    types = [t for t, _ in _parts(full)]
    assert types[:4] == ["multipart/alternative", "text/plain", "multipart/related", "text/html"]
    images = [p for t, p in _parts(full) if t == "image/png"]
    assert len(images) == 6
    html = full.get_body(preferencelist=("html",)).get_content()
    text = full.get_body(preferencelist=("plain",)).get_content()
    assert "PERLU DITANGGAPI (12)" in text and "Perlu ditanggapi (12)" in html
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image" not in html

    dlh_html = dlh.get_body(preferencelist=("html",)).get_content()
    assert dlh_html.count('class="dinas"') == 1 and "Sampah menumpuk" in dlh_html
    assert "Jalan rusak" not in dlh_html


def test_plain_smtp_without_credentials(fixed_db, tmp_path) -> None:
    with smtp_server(tmp_path) as (inbox, port, _):
        config = fixed_config(smtp={"host": "127.0.0.1", "port": port, "security": "none",
                                    "username_env": None, "password_env": None},
                              department_recipients={})  # fmt: skip
        assert send_digests(build_digest(fixed_db, config, DAY, now=NOW), config) == 1
    assert len(inbox.messages) == 1 and inbox.logins == []


def test_refused_message_is_one_clear_error(fixed_db, tmp_path) -> None:
    with smtp_server(tmp_path) as (inbox, port, _):
        inbox.fail = True
        config = fixed_config(smtp={"host": "127.0.0.1", "port": port, "security": "none",
                                    "username_env": None, "password_env": None})  # fmt: skip
        with pytest.raises(
            PipelineError,
            match=r"2 of 2 digest e-mails failed: humas: smtp 127\.0\.0\.1:\d+: cannot send",
        ):
            send_digests(build_digest(fixed_db, config, DAY, now=NOW), config)


def test_nobody_to_send_to(fixed_db) -> None:
    config = fixed_config(recipients=[], department_recipients={})
    with pytest.raises(PipelineError, match="nobody to e-mail"):
        send_digests(build_digest(fixed_db, config, DAY, now=NOW), config)


def test_headers_cannot_be_injected(fixed_db) -> None:
    evil = "Dinas Jahat\r\nBcc: korban@example.com\nX-Evil: 1"
    data = fixed_config().model_dump(exclude={"path"})
    data["departments"]["pupr"]["name"] = evil
    from pantau.config import parse_config

    config = parse_config(data)
    digest = build_digest(fixed_db, config, DAY, now=NOW)
    from reports.scope import department_digest

    message = build_message(department_digest(digest, "pupr"), config, ["pupr@bogorkab.go.id"])
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Auto-Submitted"] == "auto-generated"
    assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Evil" not in raw  # not in headers, nor in bodies
    assert clean_header("a\r\nb\x00c") == "a b c"
    for bad in ("a@b.c\r\nBcc: x@y.z", "a@b.c, x@y.z", "not-an-address", "a@b.c\nX: y"):
        with pytest.raises(PipelineError):
            clean_address(bad)
    assert clean_address("Humas <humas@bogorkab.go.id>") == "humas@bogorkab.go.id"
