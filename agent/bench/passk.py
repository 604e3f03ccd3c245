"""pass@k with the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models Trained on Code".

For one task with n samples of which c passed, pass@k = 1 - C(n-c, k) / C(n, k): the chance that at least one
of k samples drawn without replacement from the n passes. Computed as a product, so large n never overflows.
Defined only for k <= n: a k larger than the samples taken is not reported at all.
"""

from __future__ import annotations

from typing import Iterable


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task: n samples, c of them passed."""
    if not 0 <= c <= n:
        raise ValueError(f"passes must be between 0 and the samples ({n}), not {c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples (n = {n})")
    if n - c < k:  # every draw of k holds at least one pass
        return 1.0
    failing_draws = 1.0  # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
    for i in range(n - c + 1, n + 1):
        failing_draws *= 1.0 - k / i
    return 1.0 - failing_draws


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k averaged over tasks, each given as (n, c)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("no tasks to average pass@k over")
    return sum(values) / len(values)


def pass_at_ks(counts: list[tuple[int, int]], ks: Iterable[int]) -> dict[str, float]:
    """{"k": mean pass@k} for every k no greater than the fewest samples any task has (k as a string key)."""
    if not counts:
        return {}
    fewest = min(n for n, _ in counts)
    return {str(k): round(mean_pass_at_k(counts, k), 6) for k in sorted(set(ks)) if 1 <= k <= fewest}
