"""Run benchmarks: every module in bench/ with a `main(argv)` function is one benchmark.

python -m bench                 all benchmarks at their default sizes
python -m bench NAME [ARGS...]  one benchmark, e.g. `python -m bench pipeline --articles 500`
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._probe import speed_probe


def machine() -> str:
    """One line describing where the figures were measured."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpus = sum(line.startswith("processor") for line in cpuinfo)
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor()
    )
    mem_kib = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    gib = mem_kib // 1024 // 1024
    python = platform.python_version()
    return f"{datetime.now(UTC):%Y-%m-%d} · {cpus} cores ({model}) · {gib} GiB · Python {python}"


def names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main() -> None:
    args = sys.argv[1:]
    chosen = [args[0]] if args else names()
    if args and args[0] not in names():
        sys.exit(f"unknown benchmark {args[0]!r}; available: {', '.join(names())}")
    print(f"# {machine()} · speed probe {speed_probe():.0f} ms (lower is faster)", flush=True)
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n## {name}", flush=True)
        started = time.perf_counter()
        module.main(args[1:] if args else [])
        took = time.perf_counter() - started
        print(f"({name} took {took:.0f}s; speed probe after it {speed_probe():.0f} ms)", flush=True)


if __name__ == "__main__":
    main()
