"""One run: collect each source into storage, then process what is new.

Used identically by ``pantau run --once``, ``pantau collect``/``process``, the
scheduler and the demo. One failing source never stops the others.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from collectors import CollectorContext, collector_class
from pantau.config import Config, SourceConfig
from pantau.errors import CollectorError, ConfigError, MissingCredentials, RateLimited, StorageError
from pantau.logs import redact
from pantau.models import Post, RunResult, utcnow
from processing.dedup import DedupIndex, dedup_keys
from processing.pipeline import analyze
from processing.resources import Resources, build_resources
from storage import analysis as analysis_store
from storage import posts as post_store
from storage import runs as run_store
from storage.db import to_iso

log = logging.getLogger(__name__)

BATCH_SIZE = 500
DEDUP_WINDOW = timedelta(days=7)


@dataclass
class RunSummary:
    """What a whole run did, for the CLI's summary line and exit code."""

    results: list[RunResult] = field(default_factory=list)
    processed: int = 0

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status in ("error", "rate_limited")]

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def fetched(self) -> int:
        return sum(r.fetched for r in self.results)


def source_env(source: SourceConfig, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the declared environment variables of ``source`` that are set."""
    environ = os.environ if environ is None else environ
    names = collector_class(source).required_env(source)
    return {name: environ[name] for name in names if environ.get(name)}


def missing_env(source: SourceConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the names of required environment variables that are not set."""
    environ = os.environ if environ is None else environ
    return [n for n in collector_class(source).required_env(source) if not environ.get(n)]


def collect_source(
    db: sqlite_utils.Database,
    config: Config,
    source: SourceConfig,
    *,
    environ: Mapping[str, str] | None = None,
    client: object = None,
) -> RunResult:
    """Collect one source into the database and record the run; never raises CollectorError."""
    started = utcnow()
    clock = time.monotonic()
    missing = missing_env(source, environ)
    if missing:
        message = f"missing environment variable(s) {', '.join(missing)}; source skipped"
        log.warning("source=%s status=skipped reason=%r", source.name, message)
        run_id = run_store.start_run(db, source.name, started)
        run_store.finish_run(db, run_id, status="skipped", error=message)
        return RunResult(source.name, "skipped", error=message, started=started, finished=utcnow())
    cls = collector_class(source, config.path or "config.yaml")
    context = CollectorContext(
        http=config.http,
        env=source_env(source, environ),
        seen_url=lambda url: post_store.url_is_stored(db, url),
        client=client,
    )
    collector = cls.from_config(source, context=context)
    run_id = run_store.start_run(db, source.name, started)
    cursor = post_store.get_cursor(db, source.name)
    fetched = new = 0
    status, error, reset = "ok", None, None
    batch: list[Post] = []
    hash_authors = config.privacy.hash_authors
    try:
        for post in collector.collect(cursor):
            batch.append(post)
            fetched += 1
            if len(batch) >= BATCH_SIZE:
                new += post_store.save_batch(db, batch, hash_authors=hash_authors)
                batch = []
        # The last batch and the new cursor land in one transaction.
        new += post_store.save_batch(
            db, batch, source=source.name, cursor=collector.next_cursor, save_cursor=True,
            hash_authors=hash_authors,
        )  # fmt: skip
        batch = []
    except RateLimited as exc:
        status, error, reset = "rate_limited", redact(str(exc)), exc.reset_at
    except MissingCredentials as exc:
        status, error = "skipped", redact(str(exc))
    except CollectorError as exc:
        status, error = "error", redact(str(exc))
    except (ConfigError, StorageError):
        batch = []  # the database refused a write: do not try again with the same rows
        _abandon_run(db, run_id, fetched, new)
        raise
    except Exception as exc:  # noqa: BLE001 - a collector bug must not stop the other sources
        log.debug("source=%s unexpected failure", source.name, exc_info=True)
        status, error = "error", redact(f"internal error: {type(exc).__name__}: {exc}")[:300]
    finally:
        if batch:
            # Keep what we did fetch before the failure; the cursor stays where it was.
            try:
                new += post_store.save_batch(db, batch, hash_authors=hash_authors)
            except StorageError as exc:
                log.error("source=%s could not store partial batch: %s", source.name, exc)
    finished = utcnow()
    run_store.finish_run(
        db, run_id, status=status, fetched=fetched, new=new, error=error,
        rate_limit_reset=reset, finished=finished,
    )  # fmt: skip
    duration = time.monotonic() - clock
    level = logging.INFO if status == "ok" else logging.WARNING
    log.log(
        level, "source=%s status=%s fetched=%d new=%d duration=%.2fs%s", source.name, status,
        fetched, new, duration, f" error={error!r}" if error else "",
    )  # fmt: skip
    return RunResult(source.name, status, fetched, new, error, started, finished, reset)


def _abandon_run(db: sqlite_utils.Database, run_id: int, fetched: int, new: int) -> None:
    """Best effort: mark a run that hit a config or storage failure as failed."""
    try:
        run_store.finish_run(
            db, run_id, status="error", fetched=fetched, new=new, error="aborted: see the log"
        )
    except StorageError as exc:
        log.debug("could not record the aborted run %d: %s", run_id, exc)


def collect_all(
    db: sqlite_utils.Database,
    config: Config,
    names: Iterable[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> list[RunResult]:
    """Collect every enabled source (or the named ones, enabled or not)."""
    if names:
        sources = [config.source(n) for n in names]
    else:
        sources = [s for s in config.sources if s.enabled]
    results = []
    for source in sources:
        results.append(collect_source(db, config, source, environ=environ))
    return results


def process_pending(
    db: sqlite_utils.Database,
    resources: Resources,
    *,
    retag: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> int:
    """Analyse every post without a current analysis (all posts with ``retag``); return count."""
    version = resources.taxonomy_version
    total = 0
    index: DedupIndex | None = None
    for batch in analysis_store.pending_posts(db, version, batch_size=batch_size, all_posts=retag):
        if index is None:
            index = _dedup_index(db, batch[0].id, batch[0].published_at)
        results = []
        for post in batch:
            analysis = analyze(resources, post.text, post.title, post.kind)
            keys = dedup_keys(post.url, post.title)
            size = len(post.text.split()) + len((post.title or "").split())
            dup = index.find(analysis.fingerprint, keys, size)
            if dup == post.id:
                dup = None
            index.add(post.id, analysis.fingerprint, keys, size)
            results.append((post.id, analysis, dup))
        analysis_store.save_analyses(db, results, version)
        total += len(results)
        if progress:
            progress(len(results))
    if total:
        log.info("processed=%d taxonomy_version=%s", total, version)
    return total


def _dedup_index(db: sqlite_utils.Database, first_id: int, first_time: str | None) -> DedupIndex:
    index = DedupIndex()
    since = to_iso(utcnow() - DEDUP_WINDOW)
    if first_time and first_time < (since or ""):
        since = first_time
    for post_id, fingerprint, url, title in analysis_store.recent_fingerprints(
        db, since or "", first_id
    ):
        keys = dedup_keys(url, title)
        index.add(post_id, fingerprint, keys, size=index.min_tokens)
    return index


def run_once(
    db: sqlite_utils.Database,
    config: Config,
    *,
    resources: Resources | None = None,
    names: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunSummary:
    """Collect (all enabled or the named sources), then process what is new."""
    summary = RunSummary(results=collect_all(db, config, names, environ=environ))
    resources = resources or build_resources(config)
    summary.processed = process_pending(db, resources)
    return summary


def load_payload(
    db: sqlite_utils.Database, config: Config, name: str, path: Path
) -> tuple[int, int]:
    """Replay a saved payload of source ``name`` offline through its ``to_post`` and storage."""
    source = config.source(name)
    cls = collector_class(source, config.path or "config.yaml")
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise CollectorError(
            f"{path}: cannot read payload: {exc.strerror or exc}", source=name
        ) from None
    posts = list(cls.load_payload(source, payload))
    new = post_store.save_batch(db, posts, hash_authors=config.privacy.hash_authors)
    return len(posts), new


def retag_all(
    db: sqlite_utils.Database, config: Config, *, show_progress: bool = False
) -> tuple[int, str]:
    """Re-analyse every stored post with the current taxonomy; return (count, version)."""
    resources = build_resources(config)
    total = post_store.count_posts(db)
    if not show_progress:
        return process_pending(db, resources, retag=True), resources.taxonomy_version
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("retag", total=total)
        count = process_pending(db, resources, retag=True, progress=lambda n: bar.advance(task, n))
    return count, resources.taxonomy_version
