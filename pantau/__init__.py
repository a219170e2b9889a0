"""Pantau: the listening pipeline of the humas office of Pemerintah Kabupaten Bogor."""

__version__ = "0.1.0"
USER_AGENT = f"Pantau/{__version__} (+humas Pemkab Bogor; listening pipeline)"
