"""robots.txt enforcement that holds for concurrent first requests.

Scrapy 2.19's ``RobotsTxtMiddleware`` shares one Deferred among the requests
waiting for a host's robots.txt; converting it with ``asFuture`` consumes the
result, so only the first waiter gets the parser and the others (result None)
are let through unchecked. We re-read the parsed robots.txt after the wait.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Like Scrapy's, but every waiter sees the parsed robots.txt."""

    async def robot_parser(self, request: Any) -> Any:
        parser = await super().robot_parser(request)
        current = self._parsers.get(urlparse_cached(request).netloc)
        if current is not None and not isinstance(current, Deferred):
            return current
        return parser
