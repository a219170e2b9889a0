"""Daily digests: build from storage, render with Jinja2, deliver to files or e-mail."""
