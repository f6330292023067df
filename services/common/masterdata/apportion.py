"""Exact integer apportionment: split a total in proportion to weights, each part under a cap."""

from __future__ import annotations

from collections.abc import Sequence


def apportion(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Parts proportional to `weights`, none above its cap, that add up to exactly `total`.

    A part whose share would pass its cap is fixed at the cap and the rest is shared again among
    the others; the whole units then go by largest remainder (ties to the earlier index). Integer
    weights keep every step exact, so the result is the same on every machine.
    """
    if len(weights) != len(caps):
        raise ValueError("one cap per weight")
    if any(weight <= 0 for weight in weights):
        raise ValueError("weights must be positive")
    if not 0 <= total <= sum(caps):
        raise ValueError(f"cannot split {total} into parts capped at {sum(caps)} in all")

    parts = [0] * len(weights)
    open_indices = list(range(len(weights)))
    remaining = total
    while True:
        weight_sum = sum(weights[i] for i in open_indices)
        over_cap = {i for i in open_indices if remaining * weights[i] > caps[i] * weight_sum}
        if not over_cap:
            break
        for i in over_cap:
            parts[i] = caps[i]
            remaining -= caps[i]
        open_indices = [i for i in open_indices if i not in over_cap]

    remainders = []
    for i in open_indices:
        whole, remainder = divmod(remaining * weights[i], weight_sum)
        parts[i] = whole
        remainders.append((-remainder, i))
    leftover = total - sum(parts)
    for _, i in sorted(remainders)[:leftover]:
        parts[i] += 1
    return parts
