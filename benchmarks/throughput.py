"""Throughput benchmark: ``make bench`` (``python benchmarks/throughput.py``).

Measures on one deterministic synthetic corpus (see ``benchmarks/corpus.py``):

1. **pantau** - Pantau's real path end to end into a fresh SQLite file:
   ``storage.posts.save_batch`` (``pantau.pipeline.BATCH_SIZE`` per batch, as a collector
   run does) then
   ``pantau.pipeline.process_pending`` (analysis, tags, places, FTS, dedup);
2. **naive** - the baseline of ``benchmarks/naive.py`` on the first posts of
   the same corpus;
3. **retag** - ``pantau.pipeline.retag_all`` over a database of ``--db-posts``
   (default 1,000,000) posts, built once by bulk ``executemany`` and cached in
   ``benchmarks/.cache/`` keyed by size, seed, generator version and a hash of the
   generator, config.yaml and the bundled word lists (each run works
   on a copy);
4. **digest** - ``build_digest`` + ``render`` (html, md, txt) of the busiest
   day of that database.

Each stage runs in its own child process so that its peak RSS
(``ru_maxrss``) and its timing are its own. The pantau and naive stages run
``--repeat`` times (default 3), alternating, each on a fresh database; the
run with the median time of each is reported, with every run's rate listed.
Prints a table, then one line:
``bench: pantau_posts_per_s=N naive_posts_per_s=M ratio=R retag_1m_s=S
digest_1m_s=D peak_rss_mb=P``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
END = date(2026, 11, 27)
SPAN_DAYS = 365
BUSY_SHARE = 0.02  # the digest day: 2% of a year's posts (20,000 of 1M)
STALE_VERSION = "bench-stale"
DEFAULTS = {"posts": 20_000, "naive_posts": 2_000, "db_posts": 1_000_000, "repeat": 3}
QUICK = {"posts": 2_000, "naive_posts": 200, "db_posts": 20_000, "repeat": 1}


def _rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _config(path: Path) -> Any:
    from pantau.config import load_config

    return load_config(path)


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --------------------------------------------------------------------- stages
def stage_pantau(args: argparse.Namespace) -> dict[str, Any]:
    from pantau.models import Post
    from pantau.pipeline import BATCH_SIZE, process_pending
    from processing.resources import build_resources
    from storage import posts as post_store
    from storage.db import open_db

    config = _config(args.config)
    posts = [
        Post(source=p.source, kind=p.kind, external_id=p.external_id, text=p.text, url=p.url,
             author=p.author, title=p.title, published_at=p.published_at,
             fetched_at=p.published_at, metrics=p.metrics, raw=p.raw)
        for p in corpus.generate(config, args.posts, seed=args.seed, end=END)
    ]  # fmt: skip
    path = Path(args.work) / "pantau.db"
    _fresh(path)
    db = open_db(path)
    t0 = time.perf_counter()
    resources = build_resources(config)
    t1 = time.perf_counter()
    c1 = time.process_time()
    new = 0
    step = BATCH_SIZE
    for i in range(0, len(posts), step):
        new += post_store.save_batch(db, posts[i : i + step])
    t2 = time.perf_counter()
    processed = process_pending(db, resources)
    t3 = time.perf_counter()
    cpu = time.process_time() - c1
    dups = db.execute("SELECT count(*) FROM posts WHERE dup_of IS NOT NULL").fetchone()[0]
    fts = db.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'bogor'").fetchone()[0]
    db.close()
    return {
        "posts": len(posts),
        "stored": new,
        "processed": processed,
        "duplicates_found": dups,
        "fts_hits_bogor": fts,
        "resources_s": t1 - t0,
        "store_s": t2 - t1,
        "process_s": t3 - t2,
        "total_s": t3 - t1,
        "cpu_s": cpu,
        "rss_mb": _rss_mb(),
    }


def stage_naive(args: argparse.Namespace) -> dict[str, Any]:
    import itertools

    from benchmarks.naive import run_naive

    config = _config(args.config)
    posts = list(
        itertools.islice(
            corpus.generate(config, args.posts, seed=args.seed, end=END), args.naive_posts
        )
    )
    path = Path(args.work) / "naive.db"
    _fresh(path)
    t = run_naive(config, posts, path)
    return {
        "posts": t.posts,
        "setup_s": t.setup_s,
        "stem_s": t.stem_s,
        "match_s": t.match_s,
        "insert_s": t.insert_s,
        "total_s": t.total_s,
        "rss_mb": _rss_mb(),
    }


def corpus_inputs_digest(config_path: Path | str) -> str:
    """A short hash of what the corpus is generated from: the generator, the config's
    taxonomy and the bundled word lists, so an edited ``config.yaml`` or lexicon never
    reuses a database generated from the old one."""
    digest = hashlib.sha256(Path(corpus.__file__).read_bytes())
    digest.update(Path(config_path).read_bytes())
    for path in sorted((ROOT / "processing" / "data").glob("*")):
        if path.suffix in {".tsv", ".txt", ".csv"} and not path.name.startswith("LICENSE"):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def cache_path(args: argparse.Namespace) -> Path:
    inputs = corpus_inputs_digest(args.config)
    name = f"posts-{args.db_posts}-seed{args.seed}-gen{corpus.GENERATOR_VERSION}-{inputs}.db"
    return Path(args.cache_dir) / name


def stage_build_db(args: argparse.Namespace) -> dict[str, Any]:
    """Bulk-load ``db_posts`` synthetic posts (with stale analyses) into the cache file."""
    from storage.db import open_db

    config = _config(args.config)
    target = cache_path(args)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    _fresh(tmp)
    start = time.perf_counter()
    db = open_db(tmp)
    db.close()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    # Bulk load: FTS is rebuilt once at the end instead of row by row through the trigger.
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_ai'").fetchone()[0]
    conn.execute("DROP TRIGGER posts_ai")
    dumps = corpus.dumps
    insert_post = (
        "INSERT INTO posts (id, source, kind, external_id, url, author, title, text, published_at, "
        "fetched_at, lang, metrics, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    insert_analysis = (
        "INSERT INTO analysis (post_id, relevant, relevance, departments, topics, kecamatan, "
        "aspirasi, sentiment, matched, fingerprint, taxonomy_version, processed_at) "
        "VALUES (?, 1, 0.9, ?, '[]', '[]', 'informasi', 0.0, '{}', 0, ?, ?)"
    )
    codes = sorted(config.departments)
    posts_rows: list[tuple[Any, ...]] = []
    analysis_rows: list[tuple[Any, ...]] = []
    dept_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(insert_post, posts_rows)
        conn.executemany(insert_analysis, analysis_rows)
        conn.executemany(
            "INSERT INTO post_departments (post_id, department, rank, terms) VALUES (?, ?, 0, '[]')",
            dept_rows,
        )
        conn.execute("COMMIT")
        posts_rows.clear()
        analysis_rows.clear()
        dept_rows.clear()

    posts = corpus.generate(
        config, args.db_posts, seed=args.seed + 100, span_days=SPAN_DAYS, end=END,
        busy_share=BUSY_SHARE,
    )  # fmt: skip
    for i, p in enumerate(posts, start=1):
        at = p.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        posts_rows.append(
            (i, p.source, p.kind, p.external_id, p.url, p.author, p.title, p.text, at, at, "in",
             dumps(p.metrics) if p.metrics else None, dumps(p.raw))
        )  # fmt: skip
        code = codes[i % len(codes)]
        analysis_rows.append((i, f'["{code}"]', STALE_VERSION, at))
        dept_rows.append((i, code))
        if len(posts_rows) >= 20_000:
            flush()
    flush()
    conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')")
    conn.execute(trigger)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(tmp, target)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    return {"posts": args.db_posts, "build_s": time.perf_counter() - start, "rss_mb": _rss_mb()}


def stage_retag(args: argparse.Namespace) -> dict[str, Any]:
    from pantau.pipeline import retag_all
    from storage.db import open_db

    config = _config(args.config)
    db = open_db(Path(args.work) / "big.db")
    start, cpu = time.perf_counter(), time.process_time()
    count, version = retag_all(db, config)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    stale = db.execute(
        "SELECT count(*) FROM analysis WHERE taxonomy_version != ?", [version]
    ).fetchone()[0]
    dups = db.execute("SELECT count(*) FROM posts WHERE dup_of IS NOT NULL").fetchone()[0]
    db.close()
    return {
        "posts": count,
        "retag_s": elapsed,
        "cpu_s": cpu,
        "stale_left": stale,
        "duplicates_found": dups,
        "rss_mb": _rss_mb(),
    }


def stage_digest(args: argparse.Namespace) -> dict[str, Any]:
    from reports.digest import build_digest
    from reports.render import render
    from storage.db import open_db

    config = _config(args.config)
    db = open_db(Path(args.work) / "big.db")
    day = corpus.busy_day(SPAN_DAYS, END)
    names = {code: dept.name for code, dept in config.departments.items()}
    start, cpu = time.perf_counter(), time.process_time()
    digest = build_digest(db, config, day)
    built = time.perf_counter()
    sizes = {fmt: len(render(digest, fmt, names)) for fmt in ("html", "md", "txt")}
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return {
        "day": day.isoformat(),
        "day_posts": digest.total,
        "relevant": digest.relevant,
        "build_s": built - start,
        "render_s": elapsed - (built - start),
        "digest_s": elapsed,
        "cpu_s": cpu,
        "html_kb": sizes["html"] // 1024,
        "rss_mb": _rss_mb(),
    }


STAGES = {
    "pantau": stage_pantau,
    "naive": stage_naive,
    "build-db": stage_build_db,
    "retag": stage_retag,
    "digest": stage_digest,
}


# --------------------------------------------------------------------- driver
def _child(stage: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--stage", stage, "--work", str(args.work),
        "--config", str(args.config), "--posts", str(args.posts),
        "--naive-posts", str(args.naive_posts), "--db-posts", str(args.db_posts),
        "--seed", str(args.seed), "--cache-dir", str(args.cache_dir),
    ]  # fmt: skip
    if args.profile == stage:
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o",
               str(Path(args.work) / f"profile-{stage}.txt"), *cmd[1:]]  # fmt: skip
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: stage {stage} failed (exit {proc.returncode})")
    if args.profile == stage:
        print(f"profile of {stage}: {Path(args.work) / f'profile-{stage}.txt'}", file=sys.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median total time (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: float(run["total_s"]))
    return ordered[(len(ordered) - 1) // 2]


def _rates(runs: list[dict[str, Any]]) -> str:
    """Posts per second of each run, in run order: ``7,812/8,020/8,190``."""
    return "/".join(f"{round(run['posts'] / run['total_s']):,}" for run in runs)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=None, help="corpus size (default 20,000)")
    parser.add_argument(
        "--naive-posts", type=int, default=None, help="naive subset (default 2,000)"
    )
    parser.add_argument("--db-posts", type=int, default=None, help="retag/digest database size")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 posts, 20k db")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=None,
        help="runs of the pantau and naive stages, interleaved; the median is reported (default 3)",
    )  # fmt: skip
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--cache-dir", type=Path, default=CACHE, help="where the big db is kept")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument("--profile", choices=sorted(STAGES), default=None,
                        help="run this stage under pyinstrument and save its text profile")  # fmt: skip
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else DEFAULTS
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.naive_posts = min(args.naive_posts, args.posts)
    args.repeat = max(1, args.repeat)

    if args.stage:
        result = STAGES[args.stage](args)
        print(json.dumps(result))
        return 0

    own_work = args.work is None
    work = Path(tempfile.mkdtemp(prefix="pantau-bench-")) if own_work else args.work
    work.mkdir(parents=True, exist_ok=True)
    args.work = work
    try:
        return _run_all(args)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)


def _run_all(args: argparse.Namespace) -> int:
    rows: list[tuple[str, str, str]] = []
    # Other processes on the machine slow wall-clock figures down; show how busy it was.
    rows.append(("machine", "cpus", _fmt(os.cpu_count() or 0)))
    rows.append(("machine", "loadavg_1m_start", _fmt(os.getloadavg()[0])))
    from processing import native  # the stages' children inherit PANTAU_PURE

    # native (mypyc build in use), pure, or stale (a build that no longer matches: pure).
    rows.append(("machine", "processing", native.STATE.mode))

    def add(stage: str, result: dict[str, Any]) -> None:
        for key, value in result.items():
            rows.append((stage, key, _fmt(value)))

    # Each run is a fresh child process on a fresh database. The two stages alternate, so a
    # slow spell of a shared machine hits both alike, and the median run of each is reported.
    pantau_runs: list[dict[str, Any]] = []
    naive_runs: list[dict[str, Any]] = []
    for _ in range(args.repeat):
        pantau_runs.append(_child("pantau", args))
        naive_runs.append(_child("naive", args))
    pantau = _median_run(pantau_runs)
    naive = _median_run(naive_runs)
    add("pantau", pantau)
    add("naive", naive)
    if args.repeat > 1:
        rows.append(("pantau", "runs_posts_per_s", _rates(pantau_runs)))
        rows.append(("naive", "runs_posts_per_s", _rates(naive_runs)))

    cached = cache_path(args)
    if not cached.exists():
        print(f"building {args.db_posts:,}-post database (cached in {cached})...", file=sys.stderr)
        add("build-db", _child("build-db", args))
    copy_start = time.perf_counter()
    big = Path(args.work) / "big.db"
    _fresh(big)
    shutil.copyfile(cached, big)
    rows.append(("retag", "copy_db_s", _fmt(time.perf_counter() - copy_start)))
    rows.append(("retag", "db_mb", _fmt(big.stat().st_size // 2**20)))
    retag = _child("retag", args)
    add("retag", retag)
    digest = _child("digest", args)
    add("digest", digest)

    pantau_rate = pantau["posts"] / pantau["total_s"]
    naive_rate = naive["posts"] / naive["total_s"]
    rows.append(("pantau", "posts_per_s", _fmt(round(pantau_rate))))
    rows.append(("pantau", "us_per_post", _fmt(1e6 / pantau_rate)))
    rows.append(("naive", "posts_per_s", _fmt(round(naive_rate))))
    rows.append(("naive", "us_per_post", _fmt(1e6 / naive_rate)))
    rows.append(("retag", "posts_per_s", _fmt(round(retag["posts"] / retag["retag_s"]))))
    rows.append(("pantau", "posts_per_cpu_s", _fmt(round(pantau["posts"] / pantau["cpu_s"]))))
    rows.append(("retag", "posts_per_cpu_s", _fmt(round(retag["posts"] / retag["cpu_s"]))))
    rows.append(("machine", "loadavg_1m_end", _fmt(os.getloadavg()[0])))
    width = max(len(k) for _, k, _ in rows)
    print(f"{'stage':<8} {'metric':<{width}} value")
    print(f"{'-' * 8} {'-' * width} {'-' * 14}")
    for stage, key, value in rows:
        print(f"{stage:<8} {key:<{width}} {value:>14}")
    peak = max(pantau["rss_mb"], retag["rss_mb"], digest["rss_mb"])
    print(
        f"bench: pantau_posts_per_s={pantau_rate:.0f} naive_posts_per_s={naive_rate:.0f} "
        f"ratio={pantau_rate / naive_rate:.1f} retag_1m_s={retag['retag_s']:.1f} "
        f"digest_1m_s={digest['digest_s']:.2f} peak_rss_mb={peak:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
