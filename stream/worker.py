"""The stream service: `wirewatch stream` runs one Faust worker until SIGTERM."""

from __future__ import annotations

import logging

import faust

from stream.app import create_app
from stream.services import Services
from wirewatch.kafka import check_broker
from wirewatch.logs import FORMAT
from wirewatch.settings import Settings


def run_stream(settings: Settings) -> None:
    """Check the broker, load the model and stores, then process until stopped."""
    check_broker(settings.bootstrap)
    settings.announce(logging.getLogger("wirewatch.stream"))
    services = Services.build(settings)
    app = create_app(settings, services)
    worker = faust.Worker(
        app,
        loglevel=settings.log_level,
        quiet=True,
        redirect_stdouts=False,
        logging_config={
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"default": {"format": FORMAT, "datefmt": "%H:%M:%S"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
            "root": {"handlers": ["stderr"], "level": settings.log_level},
            # Faust logs each service under its class's module: "stream.app" is our App subclass.
            "loggers": {
                name: {"level": "WARNING"} for name in ("faust", "mode", "aiokafka", "kafka", "stream.app")
            },
        },
    )
    try:
        worker.execute_from_commandline()
    finally:
        services.index.close()
        services.enricher.close()
        logging.getLogger("wirewatch.stream").info("stream worker stopped")
