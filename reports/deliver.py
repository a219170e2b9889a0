"""Write rendered digests to files (SMTP delivery lives beside it)."""

from __future__ import annotations

from pathlib import Path

from pantau.errors import PipelineError

EXTENSIONS = {"html": "html", "md": "md", "txt": "txt"}


def write_digest(text: str, out: Path) -> Path:
    """Write one rendered digest atomically (temp file + rename); return its path."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise PipelineError(f"{out}: cannot write digest: {exc.strerror or exc}") from None
    return out


def digest_path(out_dir: Path, day: str, fmt: str) -> Path:
    """Return the default file name of a digest: ``digest-YYYY-MM-DD.html``."""
    return out_dir / f"digest-{day}.{EXTENSIONS[fmt]}"
