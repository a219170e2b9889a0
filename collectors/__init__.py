"""The collector protocol and the registry keyed by the config ``type``.

A collector turns one configured source into :class:`pantau.models.Post` records.
``collect(cursor)`` is a generator; ``next_cursor`` is read after it is
exhausted and is opaque to everyone but the collector that wrote it.

Built-in collectors register themselves with ``@register("type")`` and are
imported explicitly at the bottom of this module, through the same path an
extension would use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pantau.config import HttpConfig, SourceConfig, format_location
from pantau.errors import ConfigError
from pantau.models import Post


@dataclass(frozen=True)
class CollectorContext:
    """What a collector may use besides its own options: injected, never global.

    ``env`` carries only the environment variables a collector declared it needs;
    ``seen_url`` answers whether a canonical URL is already stored (news crawls
    use it to skip articles they have).
    """

    http: HttpConfig = field(default_factory=HttpConfig)
    env: Mapping[str, str] = field(default_factory=dict)
    seen_url: Callable[[str], bool] = lambda _url: False
    client: Any = None


class Collector(Protocol):
    """What the pipeline needs from a collector."""

    name: str
    next_cursor: str | None

    def collect(self, cursor: str | None) -> Iterator[Post]:
        """Yield new posts since ``cursor``; set ``next_cursor`` when exhausted."""
        ...


class CollectorType(Protocol):
    """The class side of a collector, as stored in the registry."""

    type_name: ClassVar[str]

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> Collector: ...

    @classmethod
    def required_env(cls, source: SourceConfig) -> tuple[str, ...]: ...

    @classmethod
    def load_payload(cls, source: SourceConfig, payload: bytes) -> Iterator[Post]: ...


REGISTRY: dict[str, Any] = {}

T = TypeVar("T")


def register(type_name: str) -> Callable[[T], T]:
    """Class decorator adding a collector class to the registry under ``type_name``."""

    def inner(cls: T) -> T:
        if type_name in REGISTRY:
            raise ValueError(f"collector type {type_name!r} is registered twice")
        cls.type_name = type_name  # type: ignore[attr-defined]
        REGISTRY[type_name] = cls
        return cls

    return inner


def collector_class(source: SourceConfig, config_path: str = "config.yaml") -> Any:
    """Return the registered class for a source or raise ConfigError listing known types."""
    try:
        return REGISTRY[source.type]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(
            f"{config_path}: sources[{source.name}].type: unknown collector type "
            f"{source.type!r} (known types: {known})"
        ) from None


class Options(BaseModel):
    """Base for a collector's options: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


OptionsT = TypeVar("OptionsT", bound=Options)


def parse_options(model: type[OptionsT], source: SourceConfig) -> OptionsT:
    """Validate ``source.options`` into ``model``; a problem becomes a one-line ConfigError."""
    try:
        return model.model_validate(source.options)
    except ValidationError as exc:
        # A typo shows up as "unknown" plus "missing": name the typo.
        first = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")[0]
        where = format_location(tuple(first["loc"]))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            message = "unknown option"
        elif first.get("type") == "missing":
            message = "required option is missing"
        raise ConfigError(f"sources[{source.name}].options.{where}: {message}") from None


def validate_sources(sources: list[SourceConfig], config_path: str = "config.yaml") -> None:
    """Check every source's type and options at start-up (enabled or not)."""
    for source in sources:
        cls = collector_class(source, config_path)
        try:
            cls.required_env(source)
        except ConfigError as exc:
            raise ConfigError(f"{config_path}: {exc}") from None


# Built-in collectors, imported explicitly (no directory scans).
from collectors import reddit as _reddit  # noqa: E402,F401
from collectors import rss as _rss  # noqa: E402,F401
from collectors import x as _x  # noqa: E402,F401
from collectors.news import collector as _news  # noqa: E402,F401
