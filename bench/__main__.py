"""`make bench`: run every benchmark in turn (each prints its own table and saves JSON)."""

from __future__ import annotations

import logging

from bench import browser, engine, golive


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # relays log every injected fault; the tables are the output
    for module in (engine, browser, golive):
        module.main()


if __name__ == "__main__":
    main()
