"""The per-post path of a processing run: analysis memo, dedup window, one batch at a time.

Pure data-structure code (no I/O), compiled with the other hot modules:
``pantau.pipeline`` streams the pending posts from storage, hands each batch to
:func:`analyze_batch` and stores what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mypy_extensions import i64

from pantau.models import Analysis
from processing.dedup import (
    BAND_BITS,
    BAND_MASK,
    MIN_TOKENS,
    DedupIndex,
    Key,
    content_keys,
    nearest_in,
    put_entry,
    signed_bits,
    word_size,
)
from processing.normalize import retweet_body
from processing.pipeline import analyze
from processing.resources import Resources

# (id, kind, url, title, text, published_at): ``storage.analysis.PendingPost``. The id
# is an int, typed Any so that compiled code passes the row's own int object along
# (stored in the dedup index and the results) instead of unboxing and re-boxing it.
PendingRow = tuple[Any, str, str | None, str | None, str, str | None]


def iso_after(at: str, window: timedelta) -> str:
    """``at`` (ISO-8601 as storage writes it) plus ``window``, written the same way.

    ``storage.db.to_iso(from_iso(at) + window)``, restated here because processing
    never imports storage; ``at`` itself when it is empty.
    """
    if not at:
        return at
    start = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if not start.tzinfo:
        start = start.replace(tzinfo=UTC)
    value = start + window
    if value.utcoffset():
        value = value.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second,
    )  # fmt: skip


class WindowedDedup:
    """Near-duplicate lookup over a sliding window of post time, in bounded memory.

    Two :class:`DedupIndex` generations: posts go into the current one; once a
    post is more than ``window`` newer than the current generation's first post
    *and* that generation holds at least ``min_posts``, the previous generation is
    dropped and the current one becomes previous. So every post is compared with at
    least all posts of the ``window`` before it and the last ``min_posts`` of the
    run, while a retag of millions of posts (text keys included) holds only about
    two generations.
    """

    def __init__(
        self, window: timedelta, previous: DedupIndex | None = None, *, min_posts: int = 0
    ) -> None:
        self.window = window
        self.min_posts = min_posts
        self.previous: DedupIndex = previous or DedupIndex()
        self.current = DedupIndex()
        self._size = 0
        self._rotate_after: str | None = None
        self._latest: str | None = None

    def find(self, fingerprint: int, keys: Sequence[Key], size: int) -> int | None:
        """Return the earliest indexed post this one duplicates, if any."""
        for index in (self.previous, self.current):
            found = index.find(0, keys, 0)  # exact keys first, oldest generation first
            if found is not None:
                return found
        best: int | None = None
        for index in (self.previous, self.current):
            found = index.find(fingerprint, (), size)
            if found is not None and (best is None or found < best):
                best = found
        return best

    def check_in(
        self,
        post_id: Any,
        fingerprint: int,
        keys: list[Key],
        size: int,
        url: str | None = None,
    ) -> int | None:
        """``find`` then ``add`` in one pass (bands computed once): the per-post hot path.

        The keys are ``dedup_keys(url, ...)``: ``url`` (if any) then the content
        ``keys``, passed apart so that no list is built per post. ``post_id`` is an
        int; compiled, the caller's object is stored as it is (see :data:`PendingRow`).
        """
        previous, current = self.previous, self.current
        found: int | None = None
        old = previous.by_key
        if old:  # exact keys, oldest generation first
            if url:
                found = old.get(url)
            if found is None:
                for key in keys:
                    found = old.get(key)
                    if found is not None:
                        break
        own: dict[Key, Any] = current.by_key
        # One lookup both finds an earlier holder of a key and indexes this post (a key
        # listed twice finds this post: not a duplicate; ids are unique).
        if url:
            holder = own.setdefault(url, post_id)
            if found is None and holder is not post_id and holder != post_id:
                found = holder
        for key in keys:
            holder = own.setdefault(key, post_id)
            if found is None and holder is not post_id and holder != post_id:
                found = holder
        self._size += 1
        if not fingerprint:
            return found
        value = signed_bits(fingerprint)
        search = found is None
        if search and size >= previous.min_tokens:
            found = previous.nearest(value)
        if size >= current.min_tokens:
            # One read per band both searches the current generation and indexes the post.
            entry: object = (post_id, int(value))  # one tuple for the four bands
            by_band: list[Any] = current.slots()
            shift: i64 = 0
            base: i64 = 0
            while shift < 64:
                slot = base | (value >> shift) & BAND_MASK
                bucket = by_band[slot]
                if bucket is None:
                    by_band[slot] = entry  # most bands: a first entry
                else:
                    if search:
                        found = nearest_in(bucket, value, found)
                    put_entry(by_band, slot, bucket, entry)
                shift += BAND_BITS
                base += 0x10000
        return found

    def advance(self, at: str | None) -> None:
        """Move the window to a post published ``at`` (ISO); call before find/add."""
        if not at:
            return
        rotate_after = self._rotate_after
        if rotate_after is not None and at > rotate_after and self._size >= self.min_posts:
            # After a long gap even the current generation is out of the window.
            latest = self._latest
            recent = latest is not None and self._after(latest) >= at
            self.previous = self.current if recent else DedupIndex()
            self.current = DedupIndex()
            self._size = 0
            rotate_after = None
        if rotate_after is None:
            self._rotate_after = self._after(at)
        latest = self._latest
        if latest is None or at > latest:
            self._latest = at

    def add(self, post_id: int, fingerprint: int, keys: Sequence[Key], size: int) -> None:
        self.current.add(post_id, fingerprint, keys, size)
        self._size += 1

    def _after(self, at: str) -> str:
        return iso_after(at, self.window)


CacheKey = tuple[str, str | None, str]


class CachedPost:
    """What a post's (kind, title, text) decide: its analysis, word size and content keys.

    ``size`` is ``word_size(text, title, MIN_TOKENS)``, ``keys`` the post's
    ``content_keys(title, text)`` (shared by identical posts: read-only).
    """

    __slots__ = ("analysis", "size", "keys")

    def __init__(self, analysis: Analysis, size: int, keys: list[Key]) -> None:
        self.analysis = analysis
        self.size = size
        self.keys = keys


class AnalysisCache:
    """Analyses of recently seen identical (kind, title, text): syndicated copies, reposts.

    ``analyze`` is a pure function of these and the resources, so a hit is exact. A
    retweet also finds its original's analysis: ``analyze`` reads only what is left of
    the text once ``normalize`` cut the prefix (:func:`retweet_body`), so the analysis
    of (kind, title, body) is the retweet's, remembered under that key for the
    original and every other retweet of it (``shared`` counts those reuses). The
    word size and content keys always come from the post's own text.

    When full, the oldest entry goes. Keys are only added on a miss, so insertion
    order is the order of ``_order``: a ring of the keys, its oldest at ``_oldest``
    once full (a dict's first key is found by skipping the slots its deletions left,
    which grow between its resizes: ~2k instructions per eviction).
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = max(1, maxsize)
        self._items: dict[CacheKey, CachedPost] = {}
        self._order: list[CacheKey] = []
        self._oldest = 0
        self.hits = 0
        self.shared = 0

    def analyze(self, resources: Resources, kind: str, title: str | None, text: str) -> Analysis:
        return self.post(resources, kind, title, text).analysis

    def post(self, resources: Resources, kind: str, title: str | None, text: str) -> CachedPost:
        """The post's :class:`CachedPost`: remembered, or worked out and remembered."""
        key = (kind, title, text)
        items = self._items
        found = items.get(key)
        if found is not None:
            self.hits += 1
            return found
        body = retweet_body(text)
        if body is None:
            analysis = analyze(resources, text, title, kind)
        else:
            # Exact: ``analyze`` of the body equals the retweet's (see retweet_body).
            body_key = (kind, title, body)
            original = items.get(body_key)
            if original is not None:
                self.shared += 1
                analysis = original.analysis
            else:
                analysis = analyze(resources, body, title, kind)
                self._remember(
                    body_key,
                    CachedPost(
                        analysis, word_size(body, title, MIN_TOKENS), content_keys(title, body)
                    ),
                )
        result = CachedPost(
            analysis,
            # Word counts only decide "at least MIN_TOKENS words": capped there.
            word_size(text, title, MIN_TOKENS),
            content_keys(title, text),
        )
        self._remember(key, result)
        return result

    def _remember(self, key: CacheKey, result: CachedPost) -> None:
        """Add ``result`` under ``key`` (not held yet), dropping the oldest entry when full."""
        items = self._items
        order = self._order
        if len(order) < self.maxsize:
            order.append(key)
        else:
            oldest = self._oldest
            del items[order[oldest]]
            order[oldest] = key
            oldest += 1
            self._oldest = 0 if oldest == len(order) else oldest
        items[key] = result


def analyze_batch(
    resources: Resources,
    batch: Iterable[PendingRow],
    cache: AnalysisCache,
    index: WindowedDedup,
) -> list[tuple[int, Analysis, int | None]]:
    """Analyse and deduplicate one batch of pending posts, in order.

    Returns ``(post id, analysis, dup_of)`` per post: ``dup_of`` is the earliest post
    in the window (or among the run's recent posts) this one copies, else None.
    """
    results: list[tuple[int, Analysis, int | None]] = []
    for post_id, kind, url, title, text, published_at in batch:
        post = cache.post(resources, kind, title, text)
        analysis = post.analysis
        index.advance(published_at)
        # ``dedup_keys(url, title, text)``: its content keys remembered with the analysis.
        dup = index.check_in(post_id, analysis.fingerprint, post.keys, post.size, url)
        results.append((post_id, analysis, None if dup == post_id else dup))
    return results
