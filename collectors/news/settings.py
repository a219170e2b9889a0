"""Scrapy settings for one crawl: polite by default (robots.txt, AutoThrottle, caps)."""

from __future__ import annotations

from typing import Any


def crawl_settings(job: dict[str, Any], output: str) -> dict[str, Any]:
    """Build the settings of one child crawl from its job description."""
    polite = job["polite"]
    return {
        "BOT_NAME": "pantau",
        "USER_AGENT": polite["user_agent"],
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": polite["user_agent"],
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": polite["autothrottle_start_delay"],
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": polite["download_delay"],
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite["concurrency_per_domain"],
        "DOWNLOAD_TIMEOUT": polite["timeout_seconds"],
        "DOWNLOAD_MAXSIZE": polite["max_bytes"],
        "DOWNLOAD_WARNSIZE": max(1, polite["max_bytes"] // 2),
        "REDIRECT_MAX_TIMES": polite["max_redirects"],
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 1,
        # 429 is not retried: the run ends and the next schedule tries again.
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "CLOSESPIDER_TIMEOUT": polite["crawl_timeout_seconds"],
        "DEPTH_LIMIT": job.get("max_depth", 1) + 1,
        "LOG_LEVEL": "INFO",
        "LOG_STDOUT": False,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "collectors.news.middlewares.StrictRobotsTxtMiddleware": 100,
        },
        "REMOTE_CONTROL_ENABLED": False,
        "ITEM_PIPELINES": {"collectors.news.pipelines.JsonLinesPipeline": 100},
        "PANTAU_OUTPUT": output,
    }
