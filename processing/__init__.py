"""Pure text processing: normalization, stemming, tagging, places, aspirasi, dedup.

Nothing here performs network or database I/O; expensive resources are built once
into :class:`processing.resources.Resources` and passed in.
"""

from processing import native as _native

# Compiled modules from ``make native`` are used only when they match the sources.
_native.activate(__path__)
