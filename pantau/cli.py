"""The ``pantau`` command: thin wrappers over the library, one line per error.

Exit codes: 0 success; 1 error (bad config, unusable database); 2 usage error;
3 partial success (some sources failed, the rest stored).
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click

from pantau.errors import PipelineError

log = logging.getLogger("pantau")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class Context:
    """Global options shared by every command."""

    def __init__(self, config_path: str, db_path: str | None, debug: bool) -> None:
        self.config_path = config_path
        self.db_path = db_path
        self.debug = debug
        self._config: Any = None

    @property
    def config(self) -> Any:
        if self._config is None:
            from collectors import validate_sources
            from pantau.config import load_config

            self._config = load_config(self.config_path)
            validate_sources(list(self._config.sources), self.config_path)
            _register_secrets(self._config)
        return self._config

    def open_db(self, readonly: bool = False) -> Any:
        from storage.db import open_db

        return open_db(self.config.database_path(self.db_path), readonly=readonly)


def _register_secrets(config: Any) -> None:
    """Tell the log redactor which environment variables this config reads secrets from."""
    from collectors import collector_class
    from pantau.logs import register_secret_names

    names = {config.report.smtp.password_env or "", config.report.smtp.username_env or ""}
    for source in config.sources:
        names.update(collector_class(source).required_env(source))
    register_secret_names(names)


def setup_logging(level: str, log_file: str | None = None) -> None:
    """Configure one-line log records on stderr (and an optional rotating file)."""
    from pantau.logs import configure

    configure(level, log_file)


def _one_line(exc: BaseException) -> str:
    from pantau.logs import redact

    return redact(" ".join(str(exc).split())) or type(exc).__name__


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn Pantau's errors into one-line messages and exit 1; tracebacks with --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_object(Context) and ctx.find_object(Context).debug)  # type: ignore[union-attr]
        try:
            return func(*args, **kwargs)
        except PipelineError as exc:
            if debug:
                raise
            click.echo(f"error: {_one_line(exc)}", err=True)
            ctx.exit(EXIT_ERROR)
        except sqlite3.Error as exc:
            # Storage wraps its errors in StorageError; this is the safety net for reads.
            if debug:
                raise
            click.echo(f"error: database: {_one_line(exc)} (see --debug)", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as exc:
            if debug:
                raise
            click.echo(
                f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}",
                err=True,
            )
            ctx.exit(EXIT_ERROR)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default="config.yaml",
    show_default=True,
    envvar="PANTAU_CONFIG",
    help="Configuration file.",
)
@click.option("--db", "db_path", default=None, help="Database file (overrides config `database`).")
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.option("--log-file", default=None, help="Also log to this file (rotated at 10 MB).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="pantau")
@click.pass_context
def cli(ctx: click.Context, config_path: str, db_path: str | None, log_level: str,
        log_file: str | None, debug: bool) -> None:  # fmt: skip
    """Pantau: listen to what residents and media say about Kabupaten Bogor.

    Example: pantau run --once --digest
    """
    setup_logging("DEBUG" if debug else log_level, log_file)
    ctx.obj = Context(config_path, db_path, debug)


def _summary_exit(ctx: click.Context, summary: Any) -> None:
    failed = summary.failed
    click.echo(
        f"sources={len(summary.results)} fetched={summary.fetched} new={summary.new} "
        f"processed={summary.processed} failed={len(failed)}"
    )
    for result in failed:
        click.echo(f"  {result.source}: {result.status}: {result.error}", err=True)
    if failed:
        ctx.exit(EXIT_PARTIAL)


@cli.command()
@click.option("--out", "out_dir", default="demo-output", show_default=True, help="Output folder.")
@click.option("--date", "day", default=None, help="Digest day (YYYY-MM-DD); default today.")
@click.pass_context
@handle_errors
def demo(ctx: click.Context, out_dir: str, day: str | None) -> None:
    """Run the whole pipeline offline on the bundled sample corpus and write the digest.

    Starts a loopback HTTP server serving the sample feeds, runs the real
    collectors into a fresh database, processes, renders, prints the digest path.

    Example: pantau demo --out demo-output
    """
    from pantau.demo import run_demo

    obj: Context = ctx.obj
    paths = run_demo(obj.config, Path(out_dir), day=_parse_day(day))
    for path in paths[1:]:
        click.echo(f"also written: {path}", err=True)
    click.echo(str(paths[0]))


@cli.command()
@click.option("--once", is_flag=True, required=True, help="Run one collection cycle and exit.")
@click.option("--digest", "with_digest", is_flag=True, help="Also render today's digest.")
@click.option("--source", "names", multiple=True, help="Only these sources (repeatable).")
@click.option("--force", is_flag=True, help="Also run sources that are in backoff.")
@click.pass_context
@handle_errors
def run(
    ctx: click.Context, once: bool, with_digest: bool, names: tuple[str, ...], force: bool
) -> None:
    """Collect every enabled source, process what is new, store (for cron).

    Takes a lease per source so cron runs and `pantau schedule` never work the
    same source at once (a held source is skipped as 'busy'). Sources in backoff
    after repeated failures are skipped unless --force.
    Exit 3 when some sources failed and the rest were stored.

    Example: pantau run --once --digest
    """
    from pantau.pipeline import run_once

    obj: Context = ctx.obj
    db = obj.open_db()
    summary = run_once(db, obj.config, names=names or None, force=force)
    if with_digest:
        for path in _write_digests(obj, db, None, None, None):
            click.echo(f"digest: {path}")
    _summary_exit(ctx, summary)


@cli.command()
@click.option("--source", "names", multiple=True, help="Only these sources (repeatable).")
@click.option(
    "--load",
    "load_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Replay a saved payload for --source offline instead of fetching.",
)
@click.option("--force", is_flag=True, help="Also collect sources that are in backoff.")
@click.pass_context
@handle_errors
def collect(ctx: click.Context, names: tuple[str, ...], load_file: str | None, force: bool) -> None:
    """Collect without processing. With --load, store a saved payload of one source.

    A saved payload is what the platform returned: an X search response, a Reddit
    Listing, a news crawl's JSON Lines or an article page, an RSS/Atom feed.

    Example: pantau collect --source tribun-bogor
    Example: pantau collect --source x-kabupaten-bogor --load search.json
    """
    from pantau.pipeline import collect_all, load_payload

    obj: Context = ctx.obj
    db = obj.open_db()
    if load_file:
        if len(names) != 1:
            raise click.UsageError("--load needs exactly one --source")
        fetched, new = load_payload(db, obj.config, names[0], Path(load_file))
        click.echo(f"source={names[0]} loaded={fetched} new={new}")
        return
    results = collect_all(db, obj.config, names or None, force=force)
    failed = [r for r in results if r.status in ("error", "rate_limited", "timeout")]
    click.echo(f"sources={len(results)} fetched={sum(r.fetched for r in results)} "
               f"new={sum(r.new for r in results)} failed={len(failed)}")  # fmt: skip
    for result in failed:
        click.echo(f"  {result.source}: {result.status}: {result.error}", err=True)
    if failed:
        ctx.exit(EXIT_PARTIAL)


@cli.command()
@click.pass_context
@handle_errors
def process(ctx: click.Context) -> None:
    """Analyse stored posts that have no current analysis.

    Example: pantau process
    """
    from pantau.pipeline import process_pending
    from processing.resources import build_resources

    obj: Context = ctx.obj
    db = obj.open_db()
    count = process_pending(db, build_resources(obj.config))
    click.echo(f"processed={count}")


@cli.command()
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.pass_context
@handle_errors
def retag(ctx: click.Context, progress: bool | None) -> None:
    """Re-run processing over every stored post after the taxonomy changed.

    Example: pantau retag
    """
    from pantau.pipeline import retag_all

    obj: Context = ctx.obj
    db = obj.open_db()
    show = sys.stderr.isatty() if progress is None else progress
    count, version = retag_all(db, obj.config, show_progress=show)
    click.echo(f"retagged={count} taxonomy_version={version}")


@cli.command()
@click.option("--date", "day", default=None, help="Local day YYYY-MM-DD (default: today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "txt"]),
    default=None,
    help="One format (default: the configured formats).",
)
@click.option("--out", default=None, help="Output file (with --format) or folder.")
@click.option("--email", is_flag=True, help="Also send it to the configured recipients.")
@click.option(
    "--department",
    "department",
    default=None,
    help="Only this department's part (a code from config.yaml), as its recipients get it.",
)
@click.option(
    "--department-emails/--no-department-emails",
    default=True,
    show_default=True,
    help="With --email, also send each department its part (report.department_recipients).",
)
@click.option(
    "--alerts", "alerts_only", is_flag=True, help="Only check for spikes and send alerts."
)
@click.pass_context
@handle_errors
def digest(
    ctx: click.Context, day: str | None, fmt: str | None, out: str | None, email: bool,
    department: str | None, department_emails: bool, alerts_only: bool,
) -> None:  # fmt: skip
    """Render the digest of a local day (Asia/Jakarta by default).

    Example: pantau digest --date 2026-11-27 --format html --out digest.html
    """
    obj: Context = ctx.obj
    db = obj.open_db()
    if alerts_only:
        _run_alerts(ctx, obj, db)
        return
    if department:
        from reports.service import write_department_digest

        if department not in obj.config.departments:
            raise click.BadParameter(
                f"unknown department {department!r} (see `departments:` in config.yaml)",
                param_hint="--department",
            )
        for path in write_department_digest(db, obj.config, department, day=_parse_day(day),
                                            fmt=fmt, out=out, email=email):  # fmt: skip
            click.echo(str(path))
        return
    for path in _write_digests(obj, db, _parse_day(day), fmt, out, email=email,
                               departments=department_emails):  # fmt: skip
        click.echo(str(path))


def _write_digests(obj: Context, db: Any, day: date | None, fmt: str | None, out: str | None,
                   email: bool = False, departments: bool = True) -> list[Path]:  # fmt: skip
    from reports.service import write_digests

    return write_digests(db, obj.config, day=day, fmt=fmt, out=out, email=email,
                         departments=departments)  # fmt: skip


def _run_alerts(ctx: click.Context, obj: Context, db: Any) -> None:
    from reports.alerts import check_and_send

    results = check_and_send(db, obj.config)
    for r in results:
        click.echo(f"{r.status}: {r.kind}={r.key} today={r.count} mean={r.mean:g} "
                   f"threshold={r.threshold:g}")  # fmt: skip
    click.echo(f"spikes={len(results)} sent={sum(r.status == 'sent' for r in results)}")
    if any(r.status == "failed" for r in results):
        ctx.exit(EXIT_PARTIAL)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date in YYYY-MM-DD form", param_hint="--date"
        ) from None


@cli.command()
@click.pass_context
@handle_errors
def tag(ctx: click.Context) -> None:
    """Read JSON Lines ({"id", "text", "title"?}) on stdin; write each with its analysis.

    Every input line gives exactly one output line, in order, even for empty or
    invalid input (which gets an "error" field).

    Example: echo '{"id": 1, "text": "Jalan rusak di Cibinong"}' | pantau tag
    """
    from pantau.tagline import tag_stream
    from processing.resources import build_resources

    obj: Context = ctx.obj
    resources = build_resources(obj.config)
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in tag_stream(stdin, resources):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
@handle_errors
def search(ctx: click.Context, query: str, limit: int) -> None:
    """Full-text search over stored titles and texts (SQLite FTS5 syntax).

    Example: pantau search '"jalan rusak" cibinong'
    """
    from storage.queries import search_posts

    obj: Context = ctx.obj
    db = obj.open_db()
    for row in search_posts(db, query, limit):
        click.echo(f"{row['at']}  {row['source']}  {row['title'] or ''}")
        click.echo(f"    {row['snippet']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@handle_errors
def sources(ctx: click.Context, as_json: bool) -> None:
    """Show each source: enabled, credentials, last run, status, counts, last error, next run.

    Example: pantau sources
    """
    from pantau.health import source_status

    obj: Context = ctx.obj
    db = obj.open_db()
    rows = source_status(db, obj.config)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from pantau.health import print_table

    print_table(rows)


@cli.command()
@click.pass_context
@handle_errors
def schedule(ctx: click.Context) -> None:
    """Run the daemon: every source on its schedule, processing, digest, alerts.

    Stops cleanly on SIGTERM/SIGINT (running jobs stop at their next check).

    Example: pantau --log-file /var/log/pantau/pantau.log schedule
    """
    from pantau.scheduler import Daemon

    obj: Context = ctx.obj
    obj.open_db().close()  # create/migrate once before the worker threads start
    code = Daemon(obj.config, obj.config.database_path(obj.db_path)).run()
    ctx.exit(code)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=True, writable=True))
@click.pass_context
@handle_errors
def backup(ctx: click.Context, path: str) -> None:
    """Copy the database consistently (SQLite backup API), safe while the daemon writes.

    PATH is a file, or a folder that gets a timestamped file.

    Example: pantau backup /var/backups/pantau/
    """
    from storage.maintenance import backup_db

    obj: Context = ctx.obj
    info = backup_db(obj.config.database_path(obj.db_path), path)
    click.echo(f"backup={info['path']} bytes={info['bytes']} integrity={info['integrity']}")


@cli.command()
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(min=1),
    default=None,
    help="Delete posts older than DAYS (default: privacy.retention_days).",
)
@click.option("--vacuum", is_flag=True, help="Also VACUUM to give the space back to the disk.")
@click.pass_context
@handle_errors
def prune(ctx: click.Context, days: float | None, vacuum: bool) -> None:
    """Delete old posts with their tags and old runs; keep per-day counts for baselines.

    Pending posts are processed first so their counts are kept in daily_aggregates.

    Example: pantau prune --older-than 180
    """
    from pantau.pipeline import process_leased
    from processing.resources import build_resources
    from storage.maintenance import prune_posts

    obj: Context = ctx.obj
    days = days or obj.config.privacy.retention_days
    if not days:
        raise click.UsageError("give --older-than DAYS (or set privacy.retention_days)")
    db = obj.open_db()
    process_leased(db, obj.config, build_resources(obj.config))
    result = prune_posts(db, days, offset_hours=_utc_offset_hours(obj.config.timezone))
    if vacuum:
        db.execute("VACUUM")
    click.echo(f"pruned posts={result.posts} runs={result.runs} before={result.cutoff} "
               f"aggregate_rows={result.aggregate_rows}")  # fmt: skip


def _utc_offset_hours(zone: str) -> float:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@handle_errors
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check database integrity, schema, disk, WAL, sources' credentials and last runs.

    Exit 1 when something is wrong (any 'fail' line).

    Example: pantau doctor
    """
    from pantau.doctor import as_dicts, run_doctor

    obj: Context = ctx.obj
    findings = run_doctor(obj.config, obj.config.database_path(obj.db_path))
    if as_json:
        click.echo(json.dumps(as_dicts(findings), ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(f"{finding.level:<4}  {finding.check}: {finding.detail}")
    failed = sum(1 for f in findings if f.level == "fail")
    if failed:
        click.echo(f"{failed} problem(s) found", err=True)
        ctx.exit(EXIT_ERROR)


@cli.command()
@click.pass_context
@handle_errors
def alerts(ctx: click.Context) -> None:
    """Check today's volume for spikes and e-mail each new alert once (for cron).

    A department or topic spikes when today's count so far exceeds mean + sigma x std
    of the previous days (report.alerts). Exit 3 when an alert could not be sent.

    Example: pantau alerts
    """
    obj: Context = ctx.obj
    _run_alerts(ctx, obj, obj.open_db())


_FILTERS = [
    click.option("--start", default=None, help="First local day (YYYY-MM-DD) or ISO time."),
    click.option("--end", default=None, help="Last local day (inclusive) or ISO time."),
    click.option(
        "--department", "departments", multiple=True, help="Department code (repeatable)."
    ),
    click.option("--kecamatan", "kecamatan", multiple=True, help="Kecamatan name (repeatable)."),
]


def _with_filters(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_FILTERS):
        func = option(func)
    return func


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv",
              show_default=True)  # fmt: skip
@click.option("--out", default=None, help="Output file (default: mentions.csv / .parquet).")
@_with_filters
@click.pass_context
@handle_errors
def export(ctx: click.Context, fmt: str, out: str | None, start: str | None, end: str | None,
           departments: tuple[str, ...], kecamatan: tuple[str, ...]) -> None:  # fmt: skip
    """Export analysed mentions (one row per post) as CSV or Parquet.

    Times are in the configured zone; list columns are joined with "; " in CSV.

    Example: pantau export --format parquet --start 2026-11-01 --end 2026-11-30 --department pupr
    """
    from storage.frames import export_mentions

    obj: Context = ctx.obj
    target = out or f"mentions.{fmt}"
    try:
        count = export_mentions(
            obj.open_db(readonly=True), target, fmt, start=start, end=end,
            departments=list(departments), kecamatan=list(kecamatan), tz=obj.config.timezone,
        )  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--start/--end") from None
    click.echo(f"rows={count} file={target}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--metadata-out", default=None, help="Where to write the Datasette metadata JSON.")
@click.option("--dry-run", is_flag=True, help="Write the metadata, print the command, exit.")
@click.pass_context
@handle_errors
def explore(ctx: click.Context, host: str, port: int, metadata_out: str | None,
            dry_run: bool) -> None:  # fmt: skip
    """Open the store in Datasette (the `explore` extra) with labels and canned queries.

    Canned queries: keluhan_hari_ini, per_dinas, per_kecamatan, sumber_bermasalah.

    Example: pantau explore --port 8001
    """
    import subprocess
    import tempfile

    from storage.explore import datasette_command, write_metadata

    obj: Context = ctx.obj
    db_path = obj.config.database_path(obj.db_path)
    if not db_path.exists():
        raise PipelineError(f"{db_path}: database not found (run `pantau run --once` first)")
    meta = Path(metadata_out or Path(tempfile.mkdtemp(prefix="pantau-explore-")) / "metadata.json")
    write_metadata(db_path, meta, obj.config.timezone)
    command = datasette_command(db_path, meta, host, port)
    if command is None:
        raise PipelineError("datasette is not installed: pip install 'pantau[explore]'")
    click.echo(" ".join(command))
    if dry_run:
        return
    ctx.exit(subprocess.call(command))


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit as exc:
        raise SystemExit(exc.code) from None
