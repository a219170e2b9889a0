from __future__ import annotations

import io
import struct
from datetime import date

import matplotlib.image as mpimg

from reports.charts import content_ids, data_uris, digest_charts, kecamatan_chart, trend_chart
from reports.digest import build_digest
from tests.reports.fixed import DAY, NOW


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_charts_are_small_deterministic_pngs(fixed_db, config) -> None:
    digest = build_digest(fixed_db, config, DAY, now=NOW)
    first, second = digest_charts(digest), digest_charts(digest)
    assert set(first) == {"kecamatan", "trend-dlh", "trend-dishub", "trend-pupr",
                          "trend-tirta_kahuripan", "trend-bpbd"}  # fmt: skip
    assert first == second  # same data, same bytes
    assert _size(first["trend-dlh"]) == (340, 130)
    assert _size(first["kecamatan"])[0] == 560
    assert all(len(png) < 30_000 for png in first.values())
    assert b"Software" not in first["trend-dlh"]  # no version stamp in the file


def test_spike_bar_is_red_and_today_is_blue_otherwise() -> None:
    def last_bar_rgb(png: bytes) -> tuple[float, float, float]:
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        height, width = pixels.shape[:2]
        column = pixels[:, int(width * 0.9)]  # through the last bar ("Hari ini")
        colored = [tuple(p[:3]) for p in column if max(p[:3]) - min(p[:3]) > 0.3]
        assert colored, "no coloured bar found"
        return colored[len(colored) // 2]

    spike = last_bar_rgb(trend_chart([1, 1, 1, 1, 1, 1, 1, 9], date(2026, 11, 27), 1.0, spike=True))
    calm = last_bar_rgb(trend_chart([1, 1, 1, 1, 1, 1, 1, 2], date(2026, 11, 27), 1.0))
    assert spike[0] > 0.6 and spike[2] < 0.3  # red
    assert calm[2] > 0.8 and calm[0] < 0.3  # blue


def test_edge_cases_and_image_sources() -> None:
    assert _size(trend_chart([0] * 8, date(2026, 11, 27), 0.0))[0] == 340
    assert _size(kecamatan_chart([]))[0] == 560
    many = kecamatan_chart([(f"Kecamatan {i}", 40 - i) for i in range(40)])
    assert _size(many)[1] < 400  # capped at the top 12
    uris = data_uris({"a": b"\x89PNG"})
    assert uris["a"] == "data:image/png;base64,iVBORw=="
    assert content_ids({"trend-pupr": b""}) == {"trend-pupr": "cid:trend-pupr@pantau"}
