"""The visiting order within a township: every patch once, a path shorter than the
nearest-neighbour walk the issue names as the floor, and an order a field team can follow.

The oracle for "short" is a plain nearest-neighbour walk from the township's first patch,
written here with numpy, and the patch-number order the pack used before.
"""

import numpy as np
import pytest

from plugin.core.fieldwork.flagged import FlaggedPatch, visiting_order
from plugin.core.fieldwork.route import path_length, route_order


def nearest_neighbour_walk(points):
    xy = np.asarray(points, dtype=float)
    left = np.ones(len(xy), dtype=bool)
    order = [0]
    left[0] = False
    for _ in range(len(xy) - 1):
        d = np.hypot(*(xy - xy[order[-1]]).T)
        d[~left] = np.inf
        order.append(int(d.argmin()))
        left[order[-1]] = False
    return order


def scattered(n, seed):
    return np.random.default_rng(seed).uniform(0, 30_000 * np.sqrt(n / 30_000), (n, 2))


def clustered(n, seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 8_000, (10, 2))
    return np.concatenate([rng.normal(c, 300, (n // 10, 2)) for c in centres])


@pytest.mark.parametrize("points", [scattered(300, 1), scattered(2000, 2), clustered(1000, 3),
                                    clustered(3000, 4)], ids=["300", "2000", "clusters-1000",
                                                              "clusters-3000"])
def test_the_route_visits_every_patch_once_and_is_shorter_than_a_nearest_neighbour_walk(points):
    order = route_order(points)
    assert sorted(order) == list(range(len(points)))
    route = path_length(points, order)
    assert route < path_length(points, nearest_neighbour_walk(points))
    assert route < path_length(points, range(len(points)))


def test_patches_on_a_road_are_visited_along_it():
    xs = np.random.default_rng(5).permutation(50) * 100.0
    points = np.column_stack([xs, np.zeros(50)])
    order = route_order(points)
    assert path_length(points, order) == pytest.approx(4_900)


def test_the_route_starts_at_the_end_nearer_the_first_patch_by_number():
    points = [(600, 0), (0, 0), (100, 0), (1000, 0), (900, 0)]
    assert route_order(points) == [3, 4, 0, 2, 1]


@pytest.mark.parametrize("points", [[], [(1, 2)], [(1, 2), (5, 5)], [(0, 0), (0, 0), (0, 0)]])
def test_tiny_and_degenerate_townships_keep_every_patch(points):
    assert sorted(route_order(points)) == list(range(len(points)))


def patch(pid, township, village, x, y):
    return FlaggedPatch(fid=0, patch_id=pid, geometry=None,
                        fields={"township": township, "village": village, "centre_x": x,
                                "centre_y": y})


def test_townships_are_visited_one_after_the_other_in_name_order_patches_without_one_last():
    patches = [patch("B2", "乙镇", "村1", 0, 0), patch("A9", "甲镇", "村2", 300, 0),
               patch("A1", "甲镇", "村1", 0, 0), patch("X", None, None, 5, 5),
               patch("A5", "甲镇", "村1", 200, 0), patch("B1", "乙镇", "村1", 50, 0)]
    ordered = [p.patch_id for p in visiting_order(patches)]
    assert sorted(["甲镇", "乙镇"]) == ["乙镇", "甲镇"]  # text order, as the ledger sorts
    assert ordered == ["B1", "B2", "A1", "A5", "A9", "X"]
