"""Child processes that die with their parent.

`python -m wirewatch.process PROGRAM ARGS...` asks Linux to send SIGTERM to it when its parent
dies (PR_SET_PDEATHSIG), then replaces itself with PROGRAM. `wirewatch run` starts every child
(the broker included) this way, so even a SIGKILLed supervisor leaves no orphans behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Receive SIGTERM when the parent process exits (Linux only; a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # The parent may have died before prctl took effect.
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def ignore_stop_signals() -> None:
    """For a helper process its parent ends: SIGTERM or Ctrl-C sent to the whole process group
    stops the parent, which then ends the helper, instead of killing the helper mid-task."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(argv: list[str]) -> None:
    """Entry point: arm the parent-death signal, then exec the real program."""
    if not argv:
        sys.exit("usage: python -m wirewatch.process PROGRAM [ARGS...]")
    die_with_parent(int(os.environ.get("WIREWATCH_SUPERVISOR_PID", "0")) or None)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
