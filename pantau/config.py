"""Load and validate ``config.yaml`` once, into frozen pydantic models.

Every key is declared once here with its default and meaning. A wrong type, an
unknown key or a missing required key raises :class:`ConfigError` with one line
that names the file, the key path and what is expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pantau import USER_AGENT
from pantau.errors import ConfigError

# libyaml's safe loader when available: ~15x faster than the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class ScheduleConfig(_Model):
    """When a source runs under ``pantau schedule``: an interval or a cron expression."""

    interval_minutes: float | None = Field(default=None, gt=0)
    cron: str | None = None
    jitter_seconds: int = Field(default=0, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron_fields(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError("a cron expression with 5 fields, e.g. '*/30 * * * *'")
        return value


class SourceConfig(_Model):
    """One configured source; ``options`` are validated by its collector."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    type: str
    enabled: bool = True
    schedule: ScheduleConfig = ScheduleConfig(interval_minutes=30)
    options: dict[str, Any] = Field(default_factory=dict)


class TopicRule(_Model):
    """A topic: any keyword (a word or phrase) matches, unless an exclusion does.

    ``requires`` optionally lists context terms of which at least one must occur too.
    """

    name: str | None = None
    keywords: list[str]
    exclude: list[str] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list)


class DepartmentConfig(_Model):
    """One perangkat daerah: names and abbreviations (aliases), topic keywords.

    Aliases and topic keywords tag on their own; plain ``keywords`` are context
    and need a second hit. ``fallback`` terms tag only when no other department
    matched (``Pemkab Bogor`` as a whole). A term written ``=word`` matches that
    exact word, not everything sharing its stem.
    """

    name: str
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    fallback: list[str] = Field(default_factory=list)
    topics: dict[str, TopicRule] = Field(default_factory=dict)


class PlacesConfig(_Model):
    """Gazetteer settings: the bundled Kemendagri list plus local spellings."""

    gazetteer: str = "builtin"
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    match_desa: bool = True


class RelevanceConfig(_Model):
    """Terms that tell the regency apart from Kota Bogor and from elsewhere."""

    regency_terms: list[str] = Field(default_factory=list)
    kota_terms: list[str] = Field(default_factory=list)
    elsewhere_terms: list[str] = Field(default_factory=list)
    # Local-government words ("bupati", "pemkab") that lean to the regency when
    # nothing names Kota Bogor or another region.
    weak_regency_terms: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.5, ge=0, le=1)


class SmtpConfig(_Model):
    """SMTP delivery; the password is read from the named environment variable."""

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = "SMTP_USERNAME"
    password_env: str | None = "SMTP_PASSWORD"
    sender: str = "pantau@bogorkab.go.id"
    timeout_seconds: float = Field(default=30, gt=0)

    @field_validator("username_env", "password_env")
    @classmethod
    def _env_names(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "the NAME of an environment variable (e.g. SMTP_PASSWORD), not a secret"
            )
        return value


class AlertConfig(_Model):
    """Spike alerts: today's volume against a baseline of previous days."""

    enabled: bool = True
    baseline_days: int = Field(default=14, ge=3)
    sigma: float = Field(default=3.0, gt=0)
    min_count: int = Field(default=5, ge=1)
    cooldown_hours: float = Field(default=12, ge=0)


Format = Literal["html", "md", "txt"]


def _all_formats() -> list[Format]:
    return ["html", "md", "txt"]


class ReportConfig(_Model):
    """The daily digest: when, in which formats, where to and to whom."""

    hour: int = Field(default=7, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    formats: list[Format] = Field(default_factory=_all_formats)
    out_dir: str = "digests"
    recipients: list[str] = Field(default_factory=list)
    department_recipients: dict[str, list[str]] = Field(default_factory=dict)
    smtp: SmtpConfig = SmtpConfig()
    alerts: AlertConfig = AlertConfig()
    max_posts_per_department: int = Field(default=10, ge=1)


class HttpConfig(_Model):
    """Network politeness shared by every HTTP collector."""

    timeout_seconds: float = Field(default=20, gt=0, le=600)
    user_agent: str = USER_AGENT
    max_bytes: int = Field(default=10_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=30)


class SchedulerConfig(_Model):
    """The ``pantau schedule`` daemon's own jobs and limits."""

    process_interval_minutes: float = Field(default=5, gt=0)
    alert_interval_minutes: float = Field(default=30, gt=0)
    misfire_grace_seconds: int = Field(default=600, ge=1)
    job_timeout_seconds: int = Field(default=900, ge=1)
    backoff_max_minutes: float = Field(default=360, gt=0)
    adaptive_polling: bool = True


class PrivacyConfig(_Model):
    """Personal-data handling."""

    hash_authors: bool = False
    retention_days: int | None = Field(default=None, ge=1)


class Config(_Model):
    """The whole validated configuration."""

    database: str = Field(default="pantau.db", min_length=1)
    timezone: str = "Asia/Jakarta"
    http: HttpConfig = HttpConfig()
    sources: list[SourceConfig] = Field(default_factory=list)
    departments: dict[str, DepartmentConfig] = Field(default_factory=dict)
    places: PlacesConfig = PlacesConfig()
    relevance: RelevanceConfig = RelevanceConfig()
    report: ReportConfig = ReportConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    taxonomy_version: str | None = None
    path: str | None = Field(default=None, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone such as 'Asia/Jakarta'") from exc
        return value

    @field_validator("departments")
    @classmethod
    def _codes(cls, value: dict[str, DepartmentConfig]) -> dict[str, DepartmentConfig]:
        for code in value:
            if not _CODE.match(code):
                raise ValueError(f"department code {code!r} must be lowercase [a-z0-9_]")
        return value

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        seen: set[str] = set()
        for source in value:
            if source.name in seen:
                raise ValueError(f"source names must be unique; {source.name!r} repeats")
            seen.add(source.name)
        return value

    def source(self, name: str) -> SourceConfig:
        """Return the source called ``name`` or raise ConfigError listing the names."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.path or 'config'}: no source named {name!r} (known: {known})")

    def database_path(self, override: str | None = None) -> Path:
        """Return the database file: ``--db`` if given, else relative to the config file."""
        if override:
            return Path(override)
        path = Path(self.database)
        if not path.is_absolute() and self.path:
            path = Path(self.path).parent / path
        return path


def format_location(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``sources[2].options.query``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _describe(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see config.yaml's comments for the known keys)"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    loc = [str(part) for part in error.get("loc", ())]
    secret = any(part.endswith("_env") for part in loc)  # a wrong value here may be the secret
    if kind not in ("missing",) and not secret and not isinstance(value, dict | list):
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"expected {message[0].lower() + message[1:]} (got {shown})"
    return f"expected {message[0].lower() + message[1:]}"


def config_error(path: str, exc: ValidationError) -> ConfigError:
    """Turn the first pydantic error into Pantau's one-line ConfigError."""
    # A typo shows up as "unknown" plus "missing": name the typo.
    first = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")[0]
    where = format_location(tuple(first["loc"]))
    more = len(exc.errors()) - 1
    suffix = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    return ConfigError(f"{path}: {where}: {_describe(dict(first))}{suffix}")


def parse_config(data: Any, path: str = "config.yaml") -> Config:
    """Validate already-parsed YAML data into a Config."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: (top level): expected a mapping of keys, got {type(data).__name__}"
        )
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise config_error(path, exc) from None
    return config.model_copy(update={"path": path})


def load_config(path: str | Path) -> Config:
    """Read and validate ``config.yaml``; raise ConfigError with one clear line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: {where}: {problem}") from None
    return parse_config(data, str(path))


def env_name(value: str, where: str) -> str:
    """Check that ``value`` looks like an environment variable name, not a secret."""
    if not _ENV_NAME.match(value):
        raise ConfigError(
            f"{where}: expected the NAME of an environment variable (e.g. X_BEARER_TOKEN), "
            "not a secret value"
        )
    return value
