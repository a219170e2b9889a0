"""One run: collect each source into storage, then process what is new.

Used identically by ``pantau run --once``, ``pantau collect``/``process``, the
scheduler and the demo. One failing source never stops the others.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from collectors import CollectorContext, collector_class
from pantau.config import Config, SourceConfig
from pantau.errors import CollectorError, ConfigError, MissingCredentials, RateLimited, StorageError
from pantau.logs import redact
from pantau.models import Post, RunResult, utcnow
from pantau.polling import next_state
from processing.dedup import DedupIndex, dedup_keys
from processing.resources import Resources, build_resources

# The per-post path (compiled with the processing modules); WindowedDedup is public here too.
from processing.window import AnalysisCache, WindowedDedup, analyze_batch
from storage import analysis as analysis_store
from storage import locks
from storage import posts as post_store
from storage import runs as run_store
from storage import state as state_store
from storage.db import from_iso, to_iso

log = logging.getLogger(__name__)

# Posts stored per transaction. FTS5 (the posts_ai trigger) writes one index segment per
# statement: 2,000 posts per statement cost ~32K instructions (~7 us) less per post than 500
# (callgrind, 8,000 bench posts: store 147.8K -> 115.9K). 2,000 rows of 12 values stay within
# SQLite's 32,766 parameters; the write lock is held ~60 ms per batch.
BATCH_SIZE = 2000
# A stop request (time limit, shutdown) is checked this often while a batch fills.
CHECK_EVERY = 500
DEDUP_WINDOW = timedelta(days=7)
# Within one run each post is also compared with at least this many posts before it.
DEDUP_RUN_POSTS = 50_000
LEASE_MARGIN_S = 60
PROCESS_LEASE = ":process"

# Returns why to stop (e.g. "timeout", "interrupted") or None to go on; checked between items.
Cancel = Callable[[], str | None]


@dataclass
class RunSummary:
    """What a whole run did, for the CLI's summary line and exit code."""

    results: list[RunResult] = field(default_factory=list)
    processed: int = 0

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status in ("error", "rate_limited", "timeout")]

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


def lease_ttl(config: Config) -> float:
    """Seconds a source lease lasts: the job time limit plus a margin."""
    return float(config.scheduler.job_timeout_seconds + LEASE_MARGIN_S)


def collect_source(
    db: sqlite_utils.Database,
    config: Config,
    source: SourceConfig,
    *,
    environ: Mapping[str, str] | None = None,
    client: object = None,
    force: bool = False,
    cancel: Cancel | None = None,
) -> RunResult:
    """Collect one source into the database and record the run; never raises CollectorError.

    Honours the source's backoff (unless ``force``) and takes its lease, so cron runs
    and the daemon never work one source at once: a held lease gives status ``busy``.
    ``cancel`` is polled between batches; when it returns a reason the run stops there,
    keeping what was stored (the cursor only moves when a run completes).
    """
    started = utcnow()
    missing = missing_env(source, environ)
    if missing:
        message = f"missing environment variable(s) {', '.join(missing)}; source skipped"
        log.warning("source=%s status=skipped reason=%r", source.name, message)
        run_id = run_store.start_run(db, source.name, started)
        run_store.finish_run(db, run_id, status="skipped", error=message)
        return RunResult(source.name, "skipped", error=message, started=started, finished=utcnow())
    state = state_store.get_state(db, source.name)
    if not force and state.in_backoff(started):
        until = to_iso(state.backoff_until)
        log.info(
            "source=%s status=backoff consecutive_errors=%d until=%s (use --force to run now)",
            source.name, state.consecutive_errors, until,
        )  # fmt: skip
        return RunResult(source.name, "backoff", error=f"in backoff until {until}", started=started)
    lease = locks.acquire(db, source.name, ttl_seconds=lease_ttl(config))
    if lease is None:
        held = locks.holder(db, source.name) or {}
        message = f"lease held by {held.get('owner')} until {held.get('expires_at')}"
        log.info("source=%s status=busy %s", source.name, message)
        run_id = run_store.start_run(db, source.name, started)
        run_store.finish_run(db, run_id, status="busy", error=message)
        return RunResult(source.name, "busy", error=message, started=started, finished=utcnow())
    try:
        orphans = run_store.close_orphans(db, source.name)
        if orphans:
            log.warning("source=%s marked %d unfinished run(s) as crashed", source.name, orphans)
        ttl = lease_ttl(config)

        def between_batches() -> str | None:
            # A long run keeps its lease alive; losing it means another run took over.
            if not locks.renew(db, lease, ttl_seconds=ttl):
                return "lease_lost"
            return cancel() if cancel else None

        result = _collect_leased(db, config, source, started, environ, client, between_batches)
    finally:
        if not locks.release(db, lease):
            log.warning("source=%s lease was taken over before release", source.name)
    new_state = next_state(
        state, source, config.scheduler, status=result.status, fetched=result.fetched,
        new=result.new, now=result.finished or utcnow(), rate_limit_reset=result.rate_limit_reset,
    )  # fmt: skip
    state_store.save_state(db, new_state)
    return result


def _collect_leased(
    db: sqlite_utils.Database,
    config: Config,
    source: SourceConfig,
    started: datetime,
    environ: Mapping[str, str] | None,
    client: object,
    cancel: Cancel | None,
) -> RunResult:
    clock = time.monotonic()
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
    stopped: str | None = None
    try:
        items = collector.collect(cursor)
        for post in items:
            batch.append(post)
            fetched += 1
            if len(batch) >= BATCH_SIZE:
                new += post_store.save_batch(db, batch, hash_authors=hash_authors)
                batch = []
                check = True
            else:
                check = fetched % CHECK_EVERY == 0
            if check:
                # Stop at the time limit or on shutdown, keeping what is stored (a partial
                # batch is stored below, without the cursor).
                stopped = cancel() if cancel else None
                if stopped:
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()
                    break
        if stopped:
            status, error = stopped, f"stopped early ({stopped}) after {fetched} items"
        else:
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
    force: bool = False,
    cancel: Cancel | None = None,
) -> list[RunResult]:
    """Collect every enabled source (or the named ones, enabled or not)."""
    if names:
        sources = [config.source(n) for n in names]
    else:
        sources = [s for s in config.sources if s.enabled]
    results = []
    for source in sources:
        results.append(
            collect_source(db, config, source, environ=environ, force=force, cancel=cancel)
        )
    return results


def process_pending(
    db: sqlite_utils.Database,
    resources: Resources,
    *,
    retag: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
    cancel: Cancel | None = None,
) -> int:
    """Analyse every post without a current analysis (all posts with ``retag``); return count.

    Streams posts in id order (keyset pagination) and writes each batch in its own
    transaction, so memory stays flat and an interrupted run resumes where it stopped.
    ``cancel`` is polled between batches.
    """
    with _collector_paused() as settle:
        return _process(db, resources, retag, progress, batch_size, cancel, settle)


def _no_settle() -> None:
    return None


@contextlib.contextmanager
def _collector_paused() -> Iterator[Callable[[], None]]:
    """Keep Python's cyclic garbage collector out of the per-post loop; yield a batch hook.

    The loop allocates millions of short-lived objects, all freed by reference counting,
    and the collector's passes over them and over the growing memo tables were ~15% of
    processing time (20k posts: ~500 young, ~45 middle and 4 full passes). For the run the
    heap is frozen (moved to the permanent generation, O(1)) and automatic collection is
    off; the yielded hook freezes what each batch left alive, so nothing piles up in the
    young generation either. Cyclic garbage made meanwhile (~30 objects per 20k posts) is
    only deferred: afterwards the heap is unfrozen into the oldest generation and
    collection resumes. A caller that froze the heap or disabled collection itself keeps
    its own settings, and the hook then does nothing.
    """
    if not gc.isenabled():
        yield _no_settle
        return
    own_freeze = gc.get_freeze_count() == 0
    if own_freeze:
        gc.freeze()
    gc.disable()
    try:
        yield gc.freeze if own_freeze else _no_settle
    finally:
        gc.enable()
        if own_freeze:
            gc.unfreeze()


def _process(
    db: sqlite_utils.Database,
    resources: Resources,
    retag: bool,
    progress: Callable[[int], None] | None,
    batch_size: int,
    cancel: Cancel | None,
    settle: Callable[[], None] = _no_settle,
) -> int:
    version = resources.taxonomy_version
    cache = AnalysisCache()
    # Foreign-key enforcement off for the whole run, not toggled per batch by save_analyses:
    # each toggle expires the connection's prepared statements (see unchecked_writes).
    with analysis_store.unchecked_writes(db):
        total = _process_batches(
            db, resources, retag, progress, batch_size, cancel, settle, cache, version
        )
    if total:
        log.info("processed=%d taxonomy_version=%s identical_copies=%d", total, version, cache.hits)
    return total


def _process_batches(
    db: sqlite_utils.Database,
    resources: Resources,
    retag: bool,
    progress: Callable[[int], None] | None,
    batch_size: int,
    cancel: Cancel | None,
    settle: Callable[[], None],
    cache: AnalysisCache,
    version: str,
) -> int:
    total = 0
    index: WindowedDedup | None = None
    for batch in analysis_store.pending_rows(db, version, batch_size=batch_size, all_posts=retag):
        if index is None:
            first_id, *_, first_time = batch[0]
            seed = _dedup_index(db, first_id, first_time)
            index = WindowedDedup(DEDUP_WINDOW, seed, min_posts=DEDUP_RUN_POSTS)
        results = analyze_batch(resources, batch, cache, index)
        analysis_store.save_analyses(db, results, version)
        settle()
        total += len(results)
        if progress:
            progress(len(results))
        reason = cancel() if cancel else None
        if reason:
            log.warning("processing stopped early (%s) after %d posts", reason, total)
            break
    return total


def _dedup_index(db: sqlite_utils.Database, first_id: int, first_time: str | None) -> DedupIndex:
    index = DedupIndex()
    # Posts within the window before the first pending one (or before now, if that is older).
    start = utcnow()
    first = from_iso(first_time)
    if first is not None and first < start:
        start = first
    since = to_iso(start - DEDUP_WINDOW)
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
    force: bool = False,
) -> RunSummary:
    """Collect (all enabled or the named sources), then process what is new."""
    summary = RunSummary(results=collect_all(db, config, names, environ=environ, force=force))
    resources = resources or build_resources(config)
    summary.processed = process_leased(db, config, resources)
    return summary


def process_leased(
    db: sqlite_utils.Database,
    config: Config,
    resources: Resources,
    *,
    cancel: Cancel | None = None,
) -> int:
    """Process pending posts under the ``:process`` lease; skip (return 0) when it is held."""
    lease = locks.acquire(db, PROCESS_LEASE, ttl_seconds=lease_ttl(config))
    if lease is None:
        log.info("processing status=busy (another run is processing)")
        return 0
    try:
        return process_pending(db, resources, cancel=cancel)
    finally:
        locks.release(db, lease)


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
