"""Uncertainty for an evaluation's figures, and a paired test for comparing two runs.

- pass@1 with one sample per task: the Wilson score interval (each task a Bernoulli trial).
- pass@k otherwise: a percentile bootstrap over tasks (tasks resampled with replacement, each with its own
  unbiased pass@k, 2000 resamples, a fixed seed so the same results give the same interval).
- Two runs on the same tasks: McNemar's exact test on the tasks whose outcome changed (with one sample per
  task; with more, the same exact sign test on the tasks whose pass@1 went up or down), and a paired
  bootstrap interval for the change in pass@1.
"""

from __future__ import annotations

import math
import random
from typing import Sequence

from aigchip.bench import passk

LEVEL = 0.95
RESAMPLES = 2000
SEED = 20240611
Z95 = 1.959963984540054
WILSON = "wilson score interval (95%), tasks as Bernoulli trials"
BOOTSTRAP = f"percentile bootstrap over tasks (95%, {RESAMPLES} resamples)"


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_mean(values: Sequence[float], *, resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """Percentile interval of the mean of `values` under resampling with replacement."""
    if not values:
        return 0.0, 1.0
    rng = random.Random(seed)
    count = len(values)
    means = sorted(sum(values[rng.randrange(count)] for _ in range(count)) / count for _ in range(resamples))
    tail = (1 - LEVEL) / 2
    return means[int(tail * resamples)], means[min(resamples - 1, int((1 - tail) * resamples))]


def pass_at_k_intervals(counts: list[tuple[int, int]], ks: Sequence[int]) -> dict[str, dict[str, object]]:
    """{"k": {"low", "high", "method"}} for every k the summary reports (k no greater than the fewest samples)."""
    if not counts:
        return {}
    fewest = min(n for n, _ in counts)
    found: dict[str, dict[str, object]] = {}
    for k in sorted(set(ks)):
        if not 1 <= k <= fewest:
            continue
        if k == 1 and all(n == 1 for n, _ in counts):
            low, high, method = *wilson(sum(c for _, c in counts), len(counts)), WILSON
        else:
            low, high = bootstrap_mean([passk.pass_at_k(n, c, k) for n, c in counts])
            method = BOOTSTRAP
        found[str(k)] = {"low": round(low, 6), "high": round(high, 6), "method": method}
    return found


def sign_test(better: int, worse: int) -> float:
    """Two-sided exact binomial p-value for `better` vs `worse` discordant pairs (McNemar's exact test)."""
    trials = better + worse
    if trials == 0:
        return 1.0
    tail = sum(math.comb(trials, i) for i in range(min(better, worse) + 1)) / 2 ** trials
    return min(1.0, 2 * tail)
