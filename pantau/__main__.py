"""Allow ``python -m pantau``."""

from pantau.cli import main

if __name__ == "__main__":
    main()
