"""Three-valued logic over patches: a condition is true, false or unknown for each patch."""

from typing import NamedTuple, Optional, Sequence

import numpy as np

from .terms import EPSILON


class Tri(NamedTuple):
    """Per patch: ``true`` where a condition certainly holds, ``false`` where it certainly does
    not; neither means unknown."""

    true: np.ndarray
    false: np.ndarray

    @property
    def unknown(self) -> np.ndarray:
        return ~self.true & ~self.false


def constant(n: int, value: Optional[bool]) -> Tri:
    return Tri(np.full(n, value is True), np.full(n, value is False))


def all_of(tris: Sequence[Tri], n: int) -> Tri:
    result = constant(n, True)
    for tri in tris:
        result = Tri(result.true & tri.true, result.false | tri.false)
    return result


def any_of(tris: Sequence[Tri], n: int) -> Tri:
    result = constant(n, False)
    for tri in tris:
        result = Tri(result.true | tri.true, result.false & tri.false)
    return result


def at_least(values: np.ndarray, threshold: float) -> Tri:
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        ok = values >= threshold - EPSILON
    return Tri(known & ok, known & ~ok)


def at_most(values: np.ndarray, threshold: float) -> Tri:
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        ok = values <= threshold + EPSILON
    return Tri(known & ok, known & ~ok)
