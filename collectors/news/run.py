"""Run one crawl in a child process and read its JSON Lines back.

Parent side: :func:`run_crawl` writes the job to a temp dir, starts
``python -m collectors.news.run JOB OUT`` with a wall-clock limit and a minimal
environment (no credentials), and returns the items. Child side: :func:`main`
starts a fresh Twisted reactor once and exits, so repeated crawls in one
long-lived process never hit ``ReactorNotRestartable``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pantau.errors import CollectorError

log = logging.getLogger(__name__)

# Only what Python, Twisted and proxies need; never the pipeline's secrets.
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
             "PYTHONPATH", "VIRTUAL_ENV", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
             "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR")  # fmt: skip
_GRACE_SECONDS = 30


def child_env() -> dict[str, str]:
    """The environment a crawl child gets: the basics, never tokens."""
    return {k: v for k, v in os.environ.items() if k in _ENV_KEEP}


def run_crawl(job: dict[str, Any], *, source: str) -> list[dict[str, Any]]:
    """Run ``job`` in a child process; return its items (links, pages, errors)."""
    limit = float(job["polite"]["crawl_timeout_seconds"]) + _GRACE_SECONDS
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-") as tmp:
        job_path, out_path = Path(tmp) / "job.json", Path(tmp) / "items.jsonl"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        out_path.touch()
        command = [sys.executable, "-m", "collectors.news.run", str(job_path), str(out_path)]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=limit, env=child_env(),
                                  check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            raise CollectorError(f"{job['mode']} crawl exceeded {limit:g}s and was stopped",
                                 source=source) from None  # fmt: skip
        stderr = proc.stderr.decode("utf-8", errors="replace")
        log.debug("source=%s %s crawl exit=%d log_tail=%r", source, job["mode"], proc.returncode,
                  stderr[-600:])  # fmt: skip
        if proc.returncode != 0:
            lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            raise CollectorError(f"{job['mode']} crawl process failed (exit {proc.returncode}): "
                                 f"{lines[-1][:200] if lines else 'no output'}", source=source)  # fmt: skip
        return read_items(out_path.read_bytes(), source=source)


def read_items(payload: bytes, *, source: str) -> list[dict[str, Any]]:
    """Parse JSON Lines written by a crawl; a broken line is logged and skipped."""
    items = []
    for number, line in enumerate(payload.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            log.warning("source=%s skipped unreadable crawl line %d", source, number)
            continue
        if isinstance(item, dict):
            items.append(item)
    return items


def main(argv: list[str]) -> int:
    """Child entry point: ``python -m collectors.news.run JOB.json OUT.jsonl``."""
    from scrapy.crawler import CrawlerProcess

    from collectors.news.settings import crawl_settings
    from collectors.news.spiders.article import ArticleSpider

    job_path, out_path = argv
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    process = CrawlerProcess(settings=crawl_settings(job, out_path))
    process.crawl(ArticleSpider, job=job)
    process.start()
    return 0


if __name__ == "__main__":
    main(sys.argv[1:])
