"""Pure text processing: normalization, stemming, tagging, places, aspirasi, dedup.

Nothing here performs network or database I/O; expensive resources are built once
into :class:`processing.resources.Resources` and passed in.
"""
