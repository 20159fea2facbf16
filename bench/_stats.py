"""The percentile the API, search and clusters benchmarks report: linear interpolation between ranks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, interpolated between the two nearest ranks
    (numpy's default, and `statistics.quantiles(method="inclusive")`'s)."""
    return float(np.percentile(values, q))
