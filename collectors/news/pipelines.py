"""The only item pipeline: append each item as one JSON line to the job's output file."""

from __future__ import annotations

import dataclasses
import json
from typing import Any


class JsonLinesPipeline:
    """Write items to ``PANTAU_OUTPUT``; Scrapy never touches the database."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> JsonLinesPipeline:
        return cls(crawler.settings.get("PANTAU_OUTPUT"))

    def open_spider(self, spider: Any = None) -> None:
        self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close_spider

    def close_spider(self, spider: Any = None) -> None:
        if self.handle is not None:
            self.handle.close()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        is_instance = dataclasses.is_dataclass(item) and not isinstance(item, type)
        data = dataclasses.asdict(item) if is_instance else dict(item)
        self.handle.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.handle.flush()
        return item
