"""`make bench`: run every benchmark in turn (each prints its own table and saves JSON)."""

from __future__ import annotations

from bench import engine


def main() -> None:
    for module in (engine,):
        module.main()


if __name__ == "__main__":
    main()
