"""Local news sites: one generic Scrapy article spider driven by per-site config.

``collector.NewsCollector`` (type ``news``) runs each crawl in a child process
(``python -m collectors.news.run``) that writes JSON Lines; only the child imports
Scrapy, so the long-lived scheduler never starts a Twisted reactor. A run has two
crawls: *discover* (listing pages and sitemaps -> article links) and *fetch* (the
links not stored yet -> pages). Extraction (``extract.py``) happens in the parent.
"""
