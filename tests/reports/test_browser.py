"""The HTML digest in headless Chromium: sections visible, screenshot kept as an artifact."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from reports.digest import build_digest
from reports.service import render_file
from tests.reports.fixed import DAY, NOW

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)"),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_digest_renders_in_chromium(fixed_db, config, tmp_path: Path) -> None:
    digest = build_digest(fixed_db, config, DAY, now=NOW)
    page = tmp_path / "digest.html"
    page.write_text(render_file(digest, "html", config), encoding="utf-8")
    url = page.as_uri()

    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for section in ('id="ringkasan"', 'id="perlu-ditanggapi"', 'id="per-kecamatan"',
                    'id="per-dinas"', 'id="kesehatan-sumber"'):  # fmt: skip
        assert section in html, section
    assert "Perlu ditanggapi (12)" in html
    assert "Lonjakan hari ini:" in html
    assert html.count('class="dinas"') == 5
    assert html.count('src="data:image/png;base64,') == 6  # 5 trends + kecamatan
    assert "<script" not in html

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest.png"
    shot.unlink(missing_ok=True)
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=900,2400", url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists(), result.stderr[-2000:]
    assert _png_size(shot) == (900, 2400)
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    mobile = ARTIFACTS / "digest-mobile.png"
    result = _chromium(tmp_path, f"--screenshot={mobile}", "--window-size=390,1800", url)
    assert result.returncode == 0 and mobile.exists()
