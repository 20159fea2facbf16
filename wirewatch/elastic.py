"""The one way wirewatch connects to Elasticsearch: URL, credentials, CA and timeout from settings."""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import Elasticsearch

from wirewatch.settings import Settings


def elasticsearch_client(settings: Settings) -> Elasticsearch:
    """A client for WIREWATCH_ELASTICSEARCH_URL; an API key wins over username and password."""
    assert settings.elasticsearch_url is not None
    if settings.log_level != "DEBUG":
        # Our errors name a failure once; the transport's per-attempt warnings would repeat it.
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    options: dict[str, Any] = {}
    if settings.elasticsearch_api_key is not None:
        options["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    elif settings.elasticsearch_username:
        password = settings.elasticsearch_password
        options["basic_auth"] = (
            settings.elasticsearch_username,
            password.get_secret_value() if password else "",
        )
    if settings.elasticsearch_ca_certs is not None:
        options["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(
        settings.elasticsearch_url,
        request_timeout=settings.elasticsearch_timeout,
        retry_on_timeout=True,
        max_retries=2,
        **options,
    )
