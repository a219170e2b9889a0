"""Throughput benchmark (``make bench``)."""
