"""`pantau tag`: JSON Lines in, one line out per input line, in order, DESIGN.md fields."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pantau.cli import cli

FIELDS = {
    "relevant",
    "relevance",
    "departments",
    "topics",
    "kecamatan",
    "aspirasi",
    "sentiment",
    "matched",
}


def test_every_line_answered_in_order_even_garbage() -> None:
    lines = [
        json.dumps({"id": 1, "text": "Jalan rusak parah di Cibinong, tolong diperbaiki"}),
        json.dumps({"id": "b", "title": "Pemkot Bogor tata taman", "text": "Kota Bogor"}),
        "not json at all",
        "",
        json.dumps({"id": 5, "text": ""}),
        json.dumps([1, 2, 3]),
        json.dumps({"id": 7, "text": 12345}),
        json.dumps({"id": 8, "text": "\u202e\x00<script>alert(1)</script>" * 50}),
    ]
    result = CliRunner().invoke(cli, ["tag"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o["id"] for o in out] == [1, "b", None, None, 5, None, 7, 8]
    for item in out:
        assert FIELDS <= set(item)
        assert isinstance(item["relevant"], bool)
        assert 0.0 <= item["relevance"] <= 1.0
        assert -1.0 <= item["sentiment"] <= 1.0
        assert item["aspirasi"] in {"keluhan", "permintaan", "pertanyaan", "apresiasi", "informasi"}
    assert out[0]["relevant"] and out[0]["departments"][0] == "pupr"
    assert out[0]["kecamatan"] == ["Cibinong"]
    assert out[0]["aspirasi"] in {"keluhan", "permintaan"}
    assert out[1]["relevant"] is False
    assert "error" in out[2] and "error" in out[5] and "error" in out[6]
