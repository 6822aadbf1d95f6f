"""When a coverage union's result may stand for the union of its parts.

GEOS's coverage union only drops the edges its parts share, so where they tile without
overlapping it keeps their coordinates and its area is their summed area to rounding (at most
1.5e-11 m² apart on a county's 28,600 unions of basic-farmland features). Parts that overlap
come out with less area. The bound accepts rounding and nothing a result could show: it stays
under the 0.0001 m² areas are reported in, however large the parts.
"""

#: Absolute cap of the bound, m²: a hundredth of the reported precision.
TILING_SLACK_M2 = 1e-6


def tiling_slack(summed):
    """How far a coverage union's area may lie from its parts' summed area (m²)."""
    return min(1e-9 * summed, TILING_SLACK_M2)


class CoverageTries:
    """Whether the coverage union is still worth trying, within one chunk of one layer.

    Where a layer's features overlap (approved-land permits often do), each failed try is
    wasted: tried on every patch, a county's overlapping features took 6.3 s instead of 4.0.
    After ``FIRST`` failures the union is tried only while at least half the tries were taken,
    and on every ``PROBE``-th union besides, so that a chunk whose first patches overlap (a
    whole layer is one chunk where no worker runs) can find its way back.
    """

    FIRST = 8
    PROBE = 32

    def __init__(self):
        self.tried = self.failed = self.skipped = 0

    def worth_it(self):
        if self.failed < self.FIRST or 2 * self.failed <= self.tried:
            return True
        self.skipped += 1
        return self.skipped % self.PROBE == 0

    def record(self, taken):
        self.tried += 1
        self.failed += not taken
