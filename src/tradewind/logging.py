"""Loggers for Tradewind's modules; entry points configure handlers once."""

from __future__ import annotations

import logging


def get_logger(name: str) -> logging.Logger:
    """The logger for a Tradewind module (``get_logger(__name__)``)."""
    return logging.getLogger(name)


def configure_logging(level: int = logging.INFO) -> None:
    """Plain log lines on stderr, for servers and commands without a richer view."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
