"""Error types that reach the user as one clear line (CLI) or a JSON error (API)."""


class WirewatchError(Exception):
    """A failure the user can act on; `str(err)` is the one-line message shown to them."""

    exit_code = 1


class ConfigError(WirewatchError):
    """Settings or a data file (feed list, subscription) are invalid."""

    exit_code = 2


class UsageError(WirewatchError):
    """A command was given a bad argument."""

    exit_code = 2


class UnreachableError(WirewatchError):
    """A configured server (broker, search index, feed) cannot be reached."""


class NotFoundError(UsageError):
    """A named thing (feed, subscription, token, article) does not exist (API: 404)."""


class ConflictError(UsageError):
    """A name or URL is already taken (API: 409)."""
