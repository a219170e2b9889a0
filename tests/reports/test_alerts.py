from __future__ import annotations

from datetime import timedelta

from reports.alerts import check_and_send, recipients_for
from storage.alerts import list_alerts
from storage.db import open_db
from tests.reports.fixed import DAY, day_items, fixed_config, history_items, insert_items, local
from tests.reports.smtp_server import smtp_server

AFTERNOON = local(DAY, 14, 0)  # six waste complaints so far today


def _config(port: int, **alerts):  # type: ignore[no-untyped-def]
    rules = {"baseline_days": 14, "sigma": 3.0, "min_count": 5, "cooldown_hours": 2, **alerts}
    return fixed_config(
        smtp={"host": "127.0.0.1", "port": port, "security": "none", "username_env": None,
              "password_env": None},
        alerts=rules,
    )  # fmt: skip


def _db(tmp_path):  # type: ignore[no-untyped-def]
    db = open_db(tmp_path / "alerts.db")
    insert_items(db, history_items() + day_items(), fetched=local(DAY, 23, 0))
    return db


def test_alert_fires_once_and_not_again_during_cooldown(tmp_path) -> None:
    db = _db(tmp_path)
    with smtp_server(tmp_path) as (inbox, port, _):
        config = _config(port)
        first = check_and_send(db, config, now=AFTERNOON)
        assert [(r.kind, r.key, r.count, r.status) for r in first] == [
            ("department", "dlh", 6, "sent"), ("topic", "sampah", 6, "sent")]  # fmt: skip
        assert len(inbox.messages) == 2
        message = inbox.messages[0]
        assert message["Subject"].strip() == (
            "Pantau: lonjakan sebutan Dinas Lingkungan Hidup hari ini (6, biasanya 1,5)"
        )
        assert inbox.envelopes[0][1] == ["humas@bogorkab.go.id", "dlh@bogorkab.go.id"]
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "Sampai pukul 14:00 WIB" in html and "Sampah menumpuk di Cibinong" in html
        assert "Sampah menumpuk di Cileungsi" not in html  # posted at 16:10, after "now"
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "LONJAKAN SEBUTAN: Dinas Lingkungan Hidup" in text

        again = check_and_send(db, config, now=AFTERNOON + timedelta(minutes=30))
        assert {r.status for r in again} == {"cooldown"}
        # Cool-down over, still the same day: the day's alert was already sent.
        later = check_and_send(db, config, now=AFTERNOON + timedelta(hours=3))
        assert {r.status for r in later} == {"cooldown"}
        assert len(inbox.messages) == 2
    rows = list_alerts(db)
    assert sorted((r["kind"], r["key"], r["status"], r["count"]) for r in rows) == [
        ("department", "dlh", "sent", 6), ("topic", "sampah", "sent", 6)]  # fmt: skip
    db.close()


def test_failed_send_is_recorded_and_retried(tmp_path) -> None:
    db = _db(tmp_path)
    with smtp_server(tmp_path) as (inbox, port, _):
        config = _config(port)
        inbox.fail = True
        failed = check_and_send(db, config, now=AFTERNOON)
        assert {r.status for r in failed} == {"failed"}
        assert {r["status"] for r in list_alerts(db)} == {"failed"}
        assert all("451" in (r["error"] or "") for r in list_alerts(db))
        inbox.fail = False
        retried = check_and_send(db, config, now=AFTERNOON + timedelta(minutes=30))
        assert {r.status for r in retried} == {"sent"}
        assert len(inbox.messages) == 2
    db.close()


def test_no_alert_below_min_count_or_without_history(tmp_path) -> None:
    db = _db(tmp_path)
    with smtp_server(tmp_path) as (inbox, port, _):
        assert check_and_send(db, _config(port, min_count=7), now=AFTERNOON) == []
        assert check_and_send(db, _config(port, enabled=False), now=AFTERNOON) == []
        fresh = open_db(tmp_path / "fresh.db")
        insert_items(fresh, day_items())
        assert check_and_send(fresh, _config(port), now=AFTERNOON) == []
        fresh.close()
    assert inbox.messages == [] and list_alerts(db) == []
    db.close()


def test_no_recipients_means_not_sent_and_not_recorded(tmp_path) -> None:
    db = _db(tmp_path)
    config = fixed_config(recipients=[], department_recipients={})
    results = check_and_send(db, config, now=AFTERNOON)
    assert {r.status for r in results} == {"no_recipients"}
    assert list_alerts(db) == []
    db.close()


def test_recipients_for_topics_follow_their_department() -> None:
    config = fixed_config()
    assert recipients_for(config, "topic", "sampah") == [
        "humas@bogorkab.go.id",
        "dlh@bogorkab.go.id",
    ]
    assert recipients_for(config, "department", "pupr") == ["humas@bogorkab.go.id"]
    assert recipients_for(config, "topic", "unknown") == ["humas@bogorkab.go.id"]
