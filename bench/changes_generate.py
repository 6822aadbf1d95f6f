"""Two synthetic survey years (DLTB) with known changes, for issue 9's tests and benchmark.

The before year is a jittered-grid partition of quadrilateral parcels with a realistic class mix,
ZLDWDM codes (3 townships × 2 villages each) and 城镇村属性码. The after year is the same grid with:
- ``changed``: ~3 % of parcels given another land class (farmland mostly lost to construction,
  orchard, forest, pond or facility agriculture; some other land reclaimed as farmland);
- ``split``: ~1 % of parcels cut along a diagonal into two parcels; in half of them one triangle
  changes class (a known change), in the others both keep the class (no change at all);
- ``czcs``: a few village-construction parcels whose 城镇村属性码 changes (203 → 202) only;
- boundary noise: a few grid vertices, touching none of the above, moved by 2–40 cm, so the
  four parcels around each are rewritten and thin slivers appear where neighbours' classes differ.

Unchanged parcels are written byte for byte the same in both years, as a survey database keeps
them. ``truth`` lists every known change: (polygon WKB, before class, after class, before CZCSXM,
after CZCSXM, kind); noise slivers are not in it (they must be dropped and counted).

    /usr/bin/python3 bench/changes_generate.py OUT_DIR N_PARCELS   # writes before.gpkg, after.gpkg
"""

import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plugin.core.io.gpkg_writer import atomic_geopackage  # noqa: E402

X0, Y0 = 41_480_000.0, 4_380_000.0  # EPSG:4529, zone 41 with the zone prefix
EPSG = 4529
CELL, JITTER = 55.0, 12.0
COUNTY = "210281"
CLASSES = ["0101", "0102", "0103", "0201", "0301", "0305", "0404", "0601", "0702", "1003",
           "1006", "1104", "1107", "1202", "1203"]
WEIGHTS = [0.18, 0.14, 0.20, 0.05, 0.08, 0.02, 0.04, 0.03, 0.09, 0.02, 0.04, 0.03, 0.03, 0.02,
           0.03]
NAMES = {"0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
         "0305": "灌木林地", "0404": "其他草地", "0601": "工业用地", "0702": "农村宅基地",
         "1003": "公路用地", "1006": "农村道路", "1104": "坑塘水面", "1107": "沟渠",
         "1202": "设施农用地", "1203": "田坎"}
FARMLAND = ("0101", "0102", "0103")
# Where lost farmland goes, and what other land becomes when it does not become farmland.
LOSS = (["0702", "0601", "0201", "0301", "1104", "1202", "1003"],
        [0.35, 0.10, 0.15, 0.15, 0.10, 0.10, 0.05])
VILLAGE_CZCS = ("0601", "0702")
FIELDS = [("BSM", "str", "标识码"), ("DLBM", "str", "地类编码"), ("DLMC", "str", "地类名称"),
          ("ZLDWDM", "str", "坐落单位代码"), ("ZLDWMC", "str", "坐落单位名称"),
          ("CZCSXM", "str", "城镇村属性码"), ("SJNF", "int", "数据年份")]


def _polygon_wkb(xs, ys, multi):
    """Little-endian WKB of one ring (closed here), as Polygon or single-part MultiPolygon."""
    pts = np.column_stack([np.append(xs, xs[0]), np.append(ys, ys[0])]).astype("<f8")
    body = struct.pack("<BIII", 1, 3, 1, len(pts)) + pts.tobytes()
    return struct.pack("<BII", 1, 6, 1) + body if multi else body


def township_of(i, j, side):
    """ZLDWDM of cell (row i, column j): townships are column thirds, villages row halves."""
    t = min(j * 3 // side, 2)
    v = min(i * 2 // side, 1)
    return f"{COUNTY}{101 + t:03d}{201 + v:03d}0000000"


def _czcs(code, rng):
    return "203" if code in VILLAGE_CZCS else ""


class Pair:
    """Both years as lists of parcel records, plus the truth."""

    def __init__(self, n, seed=11, change=0.03, split=0.01, czcs=0.002, noise=0.005,
                 multi_after=True):
        rng = np.random.default_rng(seed)
        side = int(np.ceil(np.sqrt(n)))
        self.side = side
        gx = X0 + np.arange(side + 1) * CELL
        gy = Y0 + np.arange(side + 1) * CELL
        X = gx[None, :] + rng.uniform(-JITTER, JITTER, (side + 1, side + 1))
        Y = gy[:, None] + rng.uniform(-JITTER, JITTER, (side + 1, side + 1))
        ncell = side * side
        classes = rng.choice(CLASSES, size=ncell, p=np.asarray(WEIGHTS) / sum(WEIGHTS))
        order = rng.permutation(ncell)
        n_change, n_split, n_czcs = int(ncell * change), int(ncell * split), int(ncell * czcs)
        changed = order[:n_change]
        splits = order[n_change:n_change + n_split]
        village = np.flatnonzero(np.isin(classes, VILLAGE_CZCS))
        czcs_cells = np.setdiff1d(village, order[:n_change + n_split])
        czcs_cells = rng.permutation(czcs_cells)[:n_czcs]
        touched = np.zeros((side + 1, side + 1), dtype=bool)
        for k in np.concatenate([changed, splits, czcs_cells]):
            i, j = divmod(int(k), side)
            touched[i:i + 2, j:j + 2] = True
        interior = np.zeros_like(touched)
        interior[1:-1, 1:-1] = True
        free = np.flatnonzero((interior & ~touched).ravel())
        noisy = rng.permutation(free)[:int(len(free) * noise)]
        X2, Y2 = X.copy(), Y.copy()
        shift = rng.uniform(0.02, 0.40, len(noisy))
        angle = rng.uniform(0, 2 * np.pi, len(noisy))
        nv = np.unravel_index(noisy, X.shape)
        X2[nv] += shift * np.cos(angle)
        Y2[nv] += shift * np.sin(angle)
        self.noise_vertices = np.column_stack([X[nv], Y[nv]])
        noisy_cells = np.zeros((side, side), dtype=bool)
        for a, b in zip(*nv):
            noisy_cells[max(a - 1, 0):a + 1, max(b - 1, 0):b + 1] = True

        new_class = classes.copy()
        for k in changed:
            old = classes[k]
            if old in FARMLAND:
                new_class[k] = rng.choice(LOSS[0], p=LOSS[1])
            elif rng.random() < 0.35:
                new_class[k] = rng.choice(FARMLAND)
            else:
                new_class[k] = rng.choice([c for c in CLASSES if c != old])
        self.before, self.after, self.truth = [], [], []
        bsm = 0

        def record(code, czcs, cell_i, cell_j, year):
            nonlocal bsm
            bsm += 1
            zl = township_of(cell_i, cell_j, side)
            return {"BSM": f"{zl[:12]}{bsm:07d}", "DLBM": code, "DLMC": NAMES[code], "ZLDWDM": zl,
                    "ZLDWMC": f"村{zl[9:12]}", "CZCSXM": czcs, "SJNF": year}

        split_set, czcs_set, changed_set = set(splits.tolist()), set(czcs_cells.tolist()), \
            set(changed.tolist())
        split_change = set(splits[: len(splits) // 2].tolist())
        for k in range(ncell):
            i, j = divmod(k, side)
            corners = ((i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j))  # counter-clockwise
            xs = np.array([X[c] for c in corners])
            ys = np.array([Y[c] for c in corners])
            code = str(classes[k])
            czcs = _czcs(code, rng)
            before = record(code, czcs, i, j, 2023)
            self.before.append((before, _polygon_wkb(xs, ys, multi=False)))
            if noisy_cells[i, j]:
                xs2 = np.array([X2[c] for c in corners])
                ys2 = np.array([Y2[c] for c in corners])
                after = dict(record(code, czcs, i, j, 2024), BSM=before["BSM"])
                self.after.append((after, _polygon_wkb(xs2, ys2, multi_after)))
            elif k in changed_set:
                to = str(new_class[k])
                to_czcs = _czcs(to, rng)
                wkb = _polygon_wkb(xs, ys, multi_after)
                self.after.append((record(to, to_czcs, i, j, 2024), wkb))
                self.truth.append((_polygon_wkb(xs, ys, False), code, to, czcs, to_czcs,
                                   "changed"))
            elif k in split_set:
                halves = ((xs[[0, 1, 2]], ys[[0, 1, 2]]), (xs[[0, 2, 3]], ys[[0, 2, 3]]))
                to = (str(rng.choice(LOSS[0])) if code in FARMLAND else
                      str(rng.choice(FARMLAND))) if k in split_change else code
                to_czcs = _czcs(to, rng)
                self.after.append((record(code, czcs, i, j, 2024),
                                   _polygon_wkb(*halves[0], multi_after)))
                self.after.append((record(to, to_czcs, i, j, 2024),
                                   _polygon_wkb(*halves[1], multi_after)))
                if to != code:
                    self.truth.append((_polygon_wkb(*halves[1], False), code, to, czcs, to_czcs,
                                       "split"))
            elif k in czcs_set:
                after = record(code, "202", i, j, 2024)
                self.after.append((after, _polygon_wkb(xs, ys, multi_after)))
                self.truth.append((_polygon_wkb(xs, ys, False), code, code, czcs, "202", "czcs"))
            else:
                # An unchanged parcel: the very same bytes and record in both years.
                wkb = _polygon_wkb(xs, ys, multi_after)
                self.before[-1] = (before, wkb)
                self.after.append((dict(before, SJNF=2024), wkb))
        order_after = rng.permutation(len(self.after))  # a delivery's own feature order
        self.after = [self.after[k] for k in order_after]

    def write(self, out_dir):
        """before.gpkg and after.gpkg, layer DLTB each; returns their paths."""
        os.makedirs(out_dir, exist_ok=True)
        from pyproj import CRS
        wkt = CRS.from_epsg(EPSG).to_wkt()
        paths = []
        for name, parcels in (("before", self.before), ("after", self.after)):
            path = os.path.join(out_dir, f"{name}.gpkg")
            with atomic_geopackage(path) as gpkg:
                gpkg.write_layer("DLTB", wkt, FIELDS, [r for r, _ in parcels],
                                 [w for _, w in parcels])
            paths.append(path)
        return paths


def generate(out_dir, n, seed=11, **kwargs):
    """Write the pair once (cached by a marker file); returns (before path, after path)."""
    marker = os.path.join(out_dir, f".done-{n}-{seed}")
    paths = (os.path.join(out_dir, "before.gpkg"), os.path.join(out_dir, "after.gpkg"))
    if os.path.exists(marker):
        return paths
    Pair(n, seed=seed, **kwargs).write(out_dir)
    open(marker, "w").close()
    return paths


if __name__ == "__main__":
    print(generate(sys.argv[1], int(sys.argv[2])))
