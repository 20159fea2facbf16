"""Logging set-up shared by every wirewatch process: one line per event, to stderr."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries that are chatty at INFO about things the user cannot act on.
_QUIET = ("kafka", "aiokafka", "faust", "mode", "apscheduler", "httpx", "httpcore", "elastic_transport")


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once; noisy libraries log warnings only."""
    logging.basicConfig(level=level, format=FORMAT, datefmt="%H:%M:%S", stream=sys.stderr, force=True)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
