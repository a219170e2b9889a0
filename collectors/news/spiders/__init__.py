"""The generic article spider (one spider, site specifics are configuration)."""
