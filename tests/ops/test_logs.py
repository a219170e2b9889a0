"""Log records: one line, secrets never written, per-run records with counts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantau.logs import MASK, RedactSecrets, configure, redact, register_secret_names

TOKEN = "AAAAbearer-9f8e7d6c5b4a"


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"request failed with token {TOKEN}")
        except RuntimeError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("CUSTOM_CRED", "hunter2-custom")
    monkeypatch.setenv("HOME_DIR_FLAG", "true")
    register_secret_names(["CUSTOM_CRED"])


@pytest.mark.usefixtures("secret_env")
def test_env_secret_in_message_args_and_traceback_is_masked() -> None:
    record = _record("calling api with %s and %s", TOKEN, "hunter2-custom", exc=True)
    RedactSecrets().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert TOKEN not in text and "hunter2-custom" not in text
    assert text.count(MASK) >= 3
    assert "RuntimeError" in text  # the traceback is still there, just masked


@pytest.mark.parametrize(
    ("line", "leak"),
    [
        ("headers={'Authorization': 'Bearer abc.def.ghi-123456'}", "abc.def.ghi-123456"),
        ("GET https://api.example/x?access_token=s3cr3tvalue&q=1", "s3cr3tvalue"),
        ("smtp login password=pa55word! failed", "pa55word!"),
        ("proxy http://user:topsecret@127.0.0.1:8080 down", "topsecret"),
        ('{"client_secret": "zzzz-yyyy-xxxx"}', "zzzz-yyyy-xxxx"),
    ],
)
def test_credential_shapes_are_masked(line: str, leak: str) -> None:
    out = redact(line, secrets=[])
    assert leak not in out and MASK in out


@pytest.mark.usefixtures("secret_env")
def test_short_flag_values_are_not_masked() -> None:
    assert redact("feature is true", None) == "feature is true"


def test_record_is_one_line() -> None:
    record = _record("title: %s", "line one\nFAKE 2026 ERROR forged record")
    RedactSecrets().filter(record)
    assert "\n" not in record.getMessage()


@given(st.text(max_size=200))
def test_secret_never_survives_redaction(text: str) -> None:
    secret = "Zq9-secret-Value"
    out = redact(text + secret + text, secrets=[secret])
    assert secret not in out


@pytest.mark.usefixtures("secret_env")
def test_rotating_file_gets_redacted_records(tmp_path: Path) -> None:
    log_file = tmp_path / "pantau.log"
    root = logging.getLogger()
    old_level = root.level
    try:
        configure("INFO", str(log_file))
        logging.getLogger("pantau.pipeline").info(
            "source=%s status=%s fetched=%d new=%d duration=%.2fs token=%s",
            "feed", "ok", 3, 2, 0.1, TOKEN,
        )  # fmt: skip
        logging.getLogger("pantau.pipeline").debug("hidden at INFO")
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_pantau", False):
                root.removeHandler(handler)
                handler.close()
        root.setLevel(old_level)
    text = log_file.read_text(encoding="utf-8")
    assert "source=feed status=ok fetched=3 new=2 duration=0.10s" in text
    assert TOKEN not in text
    assert "hidden at INFO" not in text
