"""Developer tools run from the Makefile (not installed with the package)."""
