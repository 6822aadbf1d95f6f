#!/usr/bin/python3
"""Generate the demo county (示范县) used by `make demo` and the tests.

A small, deterministic, synthetic county in CGCS2000 / 3-degree Gauss-Kruger zone 41 (EPSG:4529,
easting with the zone prefix): two survey years of land parcels (DLTB) forming a planar partition,
the baselines (permanent basic farmland, ecological red line, urban development boundary), the legal
cover layers (approvals as a GBK shapefile, facility-agriculture filings, temporary land use),
township/village boundaries, ~55 monitoring patches covering every case the rules must tell apart,
before/after RGB imagery and `truth.csv`, the generator's own record of what each patch is.

    /usr/bin/python3 tools/generate_demo_county.py --out resources/demo/data [--seed 20241]

or `generate(out_dir, seed=20241)` from Python, which returns a summary dict. Every layer and field
is documented in README.md beside this file. All names are fictional; the county code 210281 is
borrowed for its format only.
"""

import argparse
import csv
import math
import os
import random
import zlib
from collections import Counter, defaultdict

import fiona
import numpy as np
import pyproj
import rasterio
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import from_origin
from shapely.geometry import JOIN_STYLE, LineString, MultiPoint, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.polygon import orient
from shapely.ops import snap, transform, unary_union
from shapely.validation import make_valid

DEFAULT_SEED = 20241
EPSG = 4529
X0, Y0 = 41_406_000.0, 4_398_000.0  # south-west corner of the 6 km x 4 km generation frame
WIDTH, HEIGHT = 6000.0, 4000.0
PIXEL = 4.0

COUNTY_CODE, COUNTY_NAME = "210281", "示范县"
TOWNSHIPS = {"210281101": "河口镇", "210281201": "石岭乡"}
VILLAGES = {
    "210281101201": "东关村", "210281101202": "西河村", "210281101203": "前屯村",
    "210281201201": "石岭村", "210281201202": "后沟村", "210281201203": "王家屯村",
}
SURVEY_BEFORE, SURVEY_AFTER = "2023-10", "2024-10"

# 三调工作分类 names for every code the county uses (see shared/domain.md).
CLASS_NAMES = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
    "0305": "灌木林地", "0307": "其他林地", "0404": "其他草地", "05H1": "商业服务业设施用地",
    "0508": "物流仓储用地", "0601": "工业用地", "0602": "采矿用地", "0701": "城镇住宅用地",
    "0702": "农村宅基地", "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "0810": "公园与绿地",
    "1003": "公路用地", "1004": "城镇村道路用地", "1006": "农村道路", "1101": "河流水面",
    "1103": "水库水面", "1104": "坑塘水面", "1107": "沟渠", "1201": "空闲地", "1202": "设施农用地",
    "1203": "田坎", "1206": "裸土地",
}
FARMLAND = ("0101", "0102", "0103")
# Construction land in the three-way grouping (domain.md): 1201 空闲地 is idle construction land.
STOCK_CONSTRUCTION = ("05H1", "0508", "0601", "0602", "0701", "0702", "08H1", "08H2", "0809",
                      "0810", "09", "1001", "1002", "1003", "1004", "1005", "1007", "1008",
                      "1009", "1109", "1201")
CONSTRUCTION = ("05H1", "0508", "0601", "0602", "0701", "0702", "08H1", "08H2", "0810", "1003",
                "1004", "1201")
STATE_OWNED = ("1003", "1101", "1103")  # 国有: highways, river, reservoir (town land is added below)

# Narrow strips of the grid become linear parcels: (position along the axis in m, width in m, kind).
VERTICAL_STRIPS = [(1180, 4, "ditch"), (2340, 20, "highway"), (3720, 6, "farm_road"), (4980, 4, "ditch")]
HORIZONTAL_STRIPS = [(740, 36, "river"), (1680, 6, "farm_road"), (2460, 16, "highway"), (3280, 4, "ditch")]
STRIP_PRIORITY = ["river", "highway", "farm_road", "ditch"]

TOWN = (1800.0, 2700.0, 1950.0, 2700.0)  # 河口镇 seat: u0, u1, v0, v1 in frame metres
RESERVOIR = (5150.0, 3200.0, 200.0)
QUARRY = (4300.0, 3650.0, 130.0)
SETTLEMENTS = {  # village seats: centre (u, v) in frame metres
    "210281101201": (900, 2300), "210281101202": (1500, 1050), "210281101203": (1500, 3400),
    "210281201201": (3900, 2150), "210281201202": (5450, 2250), "210281201203": (4700, 1000),
}
VILLAGE_INDUSTRY = (2650.0, 1150.0, 120.0)

CRS_WKT = pyproj.CRS.from_epsg(EPSG).to_wkt()
TO_CGCS2000_GEOGRAPHIC = pyproj.Transformer.from_crs(EPSG, 4490, always_xy=True)
GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)

VERDICT_ILLEGAL, VERDICT_LEGAL, VERDICT_CHECK, VERDICT_SMALL = "违法", "合法", "需核实", "低于上图面积"


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------

def ellipsoidal_area(geom):
    """Area in m² on the CGCS2000 ellipsoid, as the survey's TBMJ is defined."""
    lonlat = transform(TO_CGCS2000_GEOGRAPHIC.transform, geom)
    parts = lonlat.geoms if lonlat.geom_type == "MultiPolygon" else [lonlat]
    # Geod adds signed ring areas: shells must run counter-clockwise and holes clockwise.
    return sum(GEOD.geometry_area_perimeter(orient(p, 1.0))[0] for p in parts)


def round_geometry(geom, ndigits=3):
    """Round coordinates to the millimetre so reruns and file round-trips are bit-identical."""
    if geom.geom_type == "MultiPolygon":
        return MultiPolygon([round_geometry(p, ndigits) for p in geom.geoms])
    return Polygon(np.round(np.asarray(geom.exterior.coords), ndigits),
                   [np.round(np.asarray(r.coords), ndigits) for r in geom.interiors])


def polygons_of(geom):
    """The polygons of a (multi)polygon or collection, dropping lines and points."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for g in geom.geoms for p in polygons_of(g)]
    return []


def as_multipolygon(geom):
    return MultiPolygon([orient(p, 1.0) for p in polygons_of(geom)])


def random_point_in(rng, geom):
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geom.contains(p):
            return p
    return geom.representative_point()


def rectangle(center, length, width, angle_deg):
    """Corners (counter-clockwise) of a rectangle `length` along the rotated x axis."""
    a = math.radians(angle_deg)
    ux, uy = math.cos(a), math.sin(a)
    vx, vy = -uy, ux
    cx, cy = center.x, center.y
    hl, hw = length / 2, width / 2
    return [(cx - ux * hl - vx * hw, cy - uy * hl - vy * hw), (cx + ux * hl - vx * hw, cy + uy * hl - vy * hw),
            (cx + ux * hl + vx * hw, cy + uy * hl + vy * hw), (cx - ux * hl + vx * hw, cy - uy * hl + vy * hw)]


def patch_outline(rng, center, area, aspect, angle_deg):
    """A building-like outline: a rectangle of about `area`, often with one corner cut off."""
    length = math.sqrt(area * aspect)
    corners = rectangle(center, length, area / length, angle_deg)
    if rng.random() < 0.6:  # cut one corner, as yards and plots rarely are perfect rectangles
        k = rng.randrange(4)
        p, prev, nxt = corners[k], corners[k - 1], corners[(k + 1) % 4]
        t = rng.uniform(0.2, 0.35)
        cut = [(p[0] + (prev[0] - p[0]) * t, p[1] + (prev[1] - p[1]) * t),
               (p[0] + (nxt[0] - p[0]) * t, p[1] + (nxt[1] - p[1]) * t)]
        corners = corners[:k] + cut + corners[k + 1:]
    return round_geometry(Polygon(corners))


# --------------------------------------------------------------------------------------------
# The grid: cells, strips, zones, villages
# --------------------------------------------------------------------------------------------

def strip_edges(rng, length, strips):
    """Cell edges along one axis: ordinary cells of 75–115 m with narrow strips at fixed places."""
    edges, kinds, cur = [0.0], [], 0.0
    for pos, width, kind in sorted(strips) + [(length, 0, None)]:
        gap = pos - cur
        n = max(1, round(gap / 95.0))
        weights = [rng.uniform(0.8, 1.2) for _ in range(n)]
        for w in weights:
            cur += gap * w / sum(weights)
            edges.append(cur)
            kinds.append(None)
        edges[-1] = float(pos)
        cur = float(pos)
        if kind:
            cur += width
            edges.append(cur)
            kinds.append(kind)
    return edges, kinds


def build_vertices(rng, xs, ys, xkinds, ykinds):
    """Jittered, smoothly bent grid vertices in EPSG:4529 metres, rounded to the millimetre.

    Lines bounding a strip move only with the smooth field, so roads, ditches and the river keep
    their width; every other vertex also gets its own jitter.
    """
    nx, ny = len(xs), len(ys)
    strip_x = {i for i, k in enumerate(xkinds) if k} | {i + 1 for i, k in enumerate(xkinds) if k}
    strip_y = {j for j, k in enumerate(ykinds) if k} | {j + 1 for j, k in enumerate(ykinds) if k}
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
    def narrowest_neighbour(edges, k):  # the smaller of the two cells a grid line separates
        return min(edges[m + 1] - edges[m] for m in (k - 1, k) if 0 <= m < len(edges) - 1)
    jx = np.zeros((nx, ny))
    jy = np.zeros((nx, ny))
    for i in range(nx):
        for j in range(ny):
            # 18 % of the narrower neighbour keeps every quad simple and convex enough.
            jx[i, j] = 0.0 if i in strip_x else rng.uniform(-0.18, 0.18) * narrowest_neighbour(xs, i)
            jy[i, j] = 0.0 if j in strip_y else rng.uniform(-0.18, 0.18) * narrowest_neighbour(ys, j)
    for k, kind in enumerate(xkinds):  # both sides of a vertical strip share their vertical jitter
        if kind:
            jy[k + 1, :] = jy[k, :]
    for k, kind in enumerate(ykinds):
        if kind:
            jx[:, k + 1] = jx[:, k]
    verts = np.zeros((nx, ny, 2))
    for i, u in enumerate(xs):
        for j, v in enumerate(ys):
            tau = 2 * math.pi
            du = 38 * math.sin(tau * v / 2300 + phases[0]) + 14 * math.sin(tau * (u + v) / 1700 + phases[1])
            dv = 30 * math.sin(tau * u / 2900 + phases[2]) + 12 * math.sin(tau * (u - v) / 1500 + phases[3])
            verts[i, j] = (X0 + u + du + jx[i, j], Y0 + v + dv + jy[i, j])
    return np.round(verts, 3)


def village_at(u, v, ph):
    """The 12-digit village code at frame position (u, v); boundaries meander like real ones."""
    border = 3150 + 220 * math.sin(v / 520 + ph[0]) + 90 * math.sin(v / 190 + ph[1])
    if u < border:  # 河口镇
        south = 1250 + 160 * math.sin(u / 480 + ph[2])
        north = 2900 + 120 * math.sin(u / 530 + ph[3])
        return "210281101202" if v < south else ("210281101201" if v < north else "210281101203")
    south = 1450 + 140 * math.sin(u / 450 + ph[4])
    west = 4650 + 180 * math.sin(v / 500 + ph[5])
    return "210281201203" if v < south else ("210281201201" if u < west else "210281201202")


def weighted_choice(rng, weights):
    codes = list(weights)
    return rng.choices(codes, [weights[c] for c in codes])[0]


BLOCK_WEIGHTS = {
    "plain_south": {"0101": .55, "0102": .30, "0103": .12, "0201": .03},
    "plain_north": {"0102": .35, "0103": .52, "0201": .06, "0307": .03, "0404": .04},
    "foothill": {"0103": .45, "0201": .33, "0307": .08, "0404": .07, "0301": .05, "1203": .02},
    "hills": {"0301": .62, "0305": .12, "0307": .08, "0404": .10, "0103": .08},
}
SCATTER_WEIGHTS = {"1104": .25, "1202": .18, "0404": .15, "0307": .12, "1206": .08, "1201": .06, "0201": .12,
                   "0102": .04}
UPLAND_SCATTER_WEIGHTS = {"0404": .35, "0305": .25, "1206": .15, "1203": .25}  # 1203: terrace banks


def zone_at(u, v, noise):
    s = ((u - 6000) / 2300) ** 2 + ((v - 4000) / 1750) ** 2 + noise
    if s < 1.0:
        return "hills", s
    if s < 1.45:
        return "foothill", s
    return ("plain_south" if v < 1400 else "plain_north"), s


def build_cells(rng):
    """Cells of the grid with their geometry, village, zone and 2023 land class."""
    xs, xkinds = strip_edges(rng, WIDTH, VERTICAL_STRIPS)
    ys, ykinds = strip_edges(rng, HEIGHT, HORIZONTAL_STRIPS)
    verts = build_vertices(rng, xs, ys, xkinds, ykinds)
    ph = [rng.uniform(0, 2 * math.pi) for _ in range(8)]
    cells = {}
    for i in range(len(xs) - 1):
        for j in range(len(ys) - 1):
            u, v = (xs[i] + xs[i + 1]) / 2, (ys[j] + ys[j + 1]) / 2
            kinds = [k for k in (xkinds[i], ykinds[j]) if k]
            kind = min(kinds, key=STRIP_PRIORITY.index) if kinds else None
            mask = (abs((u - 3000) / 3050) ** 3 + abs((v - 2000) / 2100) ** 3
                    + 0.10 * math.sin(u / 610 + ph[6]) + 0.08 * math.cos(v / 480 + ph[7])
                    + 0.05 * math.sin((u + v) / 330 + ph[6]))
            ring = [verts[i, j], verts[i + 1, j], verts[i + 1, j + 1], verts[i, j + 1]]
            cells[i, j] = {
                "ij": (i, j), "u": u, "v": v, "kind": kind, "xkind": xkinds[i], "vertical": bool(xkinds[i]),
                "horizontal": bool(ykinds[j]), "inside": mask <= 1.0, "geom": Polygon(ring),
                "village": village_at(u, v, ph),
            }
    include_strip_cells_with_their_neighbours(cells)
    make_county_solid(cells)
    merge_village_islands(cells)
    assign_land_classes(rng, cells)
    return cells, verts


def include_strip_cells_with_their_neighbours(cells):
    """A strip cell belongs to the county when the cells on both sides do (no spikes, no notches)."""
    def inside(ij):
        return ij in cells and cells[ij]["inside"]
    for (i, j), c in cells.items():
        if c["vertical"] and not c["horizontal"]:
            c["inside"] = inside((i - 1, j)) and inside((i + 1, j))
        elif c["horizontal"] and not c["vertical"]:
            c["inside"] = inside((i, j - 1)) and inside((i, j + 1))
    for (i, j), c in cells.items():
        if c["vertical"] and c["horizontal"]:
            c["inside"] = all(inside(n) for n in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)))


def edge_neighbours(ij):
    i, j = ij
    return ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1))


def connected_components(keys):
    """Groups of cells joined through shared edges, largest first."""
    keys, seen, components = set(keys), set(), []
    for start in sorted(keys):
        if start in seen:
            continue
        component, stack = [], [start]
        seen.add(start)
        while stack:
            cur = stack.pop()
            component.append(cur)
            for n in edge_neighbours(cur):
                if n in keys and n not in seen:
                    seen.add(n)
                    stack.append(n)
        components.append(sorted(component))
    return sorted(components, key=lambda c: (-len(c), c[0]))


def make_county_solid(cells):
    """One piece without holes: drop detached bits, fill enclosed gaps (a county has one outline)."""
    county = connected_components(ij for ij, c in cells.items() if c["inside"])
    for component in county[1:]:
        for ij in component:
            cells[ij]["inside"] = False
    last_i, last_j = max(i for i, _ in cells), max(j for _, j in cells)
    for component in connected_components(ij for ij, c in cells.items() if not c["inside"]):
        if not any(i in (0, last_i) or j in (0, last_j) for i, j in component):
            for ij in component:
                cells[ij]["inside"] = True


def merge_village_islands(cells):
    """Give each detached bit of a village to the neighbour it borders most, so villages are single areas."""
    for _ in range(10):
        moved = False
        for code in VILLAGES:
            members = [ij for ij, c in cells.items() if c["inside"] and c["village"] == code]
            for island in connected_components(members)[1:]:
                borders = Counter(cells[n]["village"] for ij in island for n in edge_neighbours(ij)
                                  if n in cells and cells[n]["inside"] and cells[n]["village"] != code)
                new = borders.most_common(1)[0][0]
                for ij in island:
                    cells[ij]["village"] = new
                moved = True
        if not moved:
            return
    raise RuntimeError("village boundaries did not settle")


def in_town(u, v, margin=0.0):
    u0, u1, v0, v1 = TOWN
    return u0 - margin <= u <= u1 + margin and v0 - margin <= v <= v1 + margin


def assign_land_classes(rng, cells):
    """2023 land class of every cell: linear features, town, villages, hills and farmland blocks."""
    noise_ph = rng.uniform(0, 2 * math.pi)
    block_class = {}
    for (i, j), c in sorted(cells.items()):
        u, v = c["u"], c["v"]
        zone, s = zone_at(u, v, 0.06 * math.sin(u / 300 + noise_ph) * math.cos(v / 260))
        c["zone"], c["hill_score"], c["czcs"] = zone, s, ""
        if c["kind"]:
            c["cls"] = {"river": "1101", "highway": "1003", "farm_road": "1006", "ditch": "1107"}[c["kind"]]
            if in_town(u, v) and c["cls"] in ("1006", "1107"):
                c["cls"], c["czcs"] = "1004", "202"
            elif zone == "hills" and c["cls"] == "1107":
                c["cls"] = "1006"  # a ditch line through the hills is a forest track
            continue
        block = (zone, i // 3, j // 2)
        if block not in block_class:
            block_class[block] = weighted_choice(rng, BLOCK_WEIGHTS[zone])
        cls = block_class[block]
        if rng.random() < 0.08:
            cls = weighted_choice(rng, SCATTER_WEIGHTS if zone.startswith("plain") else UPLAND_SCATTER_WEIGHTS)
        c["cls"] = cls
        if math.hypot(u - RESERVOIR[0], v - RESERVOIR[1]) < RESERVOIR[2]:
            c["cls"] = "1103"
        elif math.hypot(u - QUARRY[0], v - QUARRY[1]) < QUARRY[2]:
            c["cls"], c["czcs"] = "0602", "204"
        elif in_town(u, v):
            c["cls"] = "0601" if u > TOWN[1] - 160 and v < TOWN[2] + 300 else weighted_choice(
                rng, {"0701": .45, "05H1": .15, "08H1": .05, "08H2": .08, "0810": .04, "1201": .06, "0508": .05,
                      "0601": .04, "1004": .08})
            c["czcs"] = "202"
        elif in_town(u, v, margin=150) and rng.random() < 0.35:
            c["cls"] = rng.choice(["0404", "1206", "1201"])
        elif math.hypot(u - VILLAGE_INDUSTRY[0], v - VILLAGE_INDUSTRY[1]) < VILLAGE_INDUSTRY[2]:
            c["cls"], c["czcs"] = "0601", "203"
        else:
            for code, (su, sv) in SETTLEMENTS.items():
                du, dv = (u - su) / 200.0, (v - sv) / 150.0
                if du * du + dv * dv < 1.0 and c["village"] == code:
                    c["cls"] = weighted_choice(rng, {"0702": .84, "1201": .08, "08H2": .04, "1104": .04})
                    c["czcs"] = "203" if c["cls"] != "1104" else ""
                    c["settlement"] = True


# --------------------------------------------------------------------------------------------
# Parcels (DLTB 2023)
# --------------------------------------------------------------------------------------------

def plain_farmland_cell(c):
    return (c["inside"] and not c["kind"] and c["zone"].startswith("plain") and c["cls"] in FARMLAND
            and not c.get("settlement") and c["czcs"] == "")


def reserve_pond_blocks(rng, cells, count=2):
    """3x3 farmland blocks whose centre becomes a pond: the farmland parcel gets a hole the pond fills."""
    groups, used = [], set()
    candidates = sorted(ij for ij, c in cells.items() if plain_farmland_cell(c))
    rng.shuffle(candidates)
    for (i, j) in candidates:
        block = [(i + di, j + dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)]
        if any(b not in cells or b in used or not plain_farmland_cell(cells[b])
               or cells[b]["village"] != cells[i, j]["village"] for b in block):
            continue
        ring_cls = cells[block[0]]["cls"]
        for b in block:
            cells[b]["cls"] = ring_cls
        cells[i, j]["cls"] = "1104"
        groups.append([b for b in block if b != (i, j)])
        groups.append([(i, j)])
        used.update((a + da, b + db) for a, b in block for da in (-1, 0, 1) for db in (-1, 0, 1))
        if len(groups) == 2 * count:
            return groups
    raise RuntimeError("no room for the pond-in-farmland blocks")


def reserve_straddle_pair(cells, avoid):
    """Two farmland cells side by side across the township border, for the straddling patch."""
    best = None
    for (i, j), c in sorted(cells.items()):
        right = cells.get((i + 1, j))
        if (right and plain_farmland_cell(c) and plain_farmland_cell(right) and (i, j) not in avoid
                and (i + 1, j) not in avoid
                and c["village"][:9] != right["village"][:9] and 700 < c["v"] < 1400):
            score = -min(c["geom"].area, right["geom"].area)  # the roomiest pair
            if best is None or score < best[0]:
                best = (score, (i, j), (i + 1, j))
    _, a, b = best
    cells[a]["cls"] = cells[b]["cls"] = "0103"
    return a, b


PARCEL_SIZE = {"farmland": (1, 1, 2, 2, 3, 4), "forest": (2, 3, 4, 5, 7), "built": (1, 1, 2, 3), "other": (1, 1, 2)}


def size_class(cls):
    if cls in FARMLAND or cls == "0201":
        return "farmland"
    if cls in ("0301", "0305", "0307", "0404"):
        return "forest"
    if cls in ("0701", "0702", "0601", "1103"):
        return "built"
    return "other"


def group_cells_into_parcels(rng, cells, reserved_groups):
    """Merge neighbouring cells of one class and village into parcels; strips into linear parcels."""
    owner, groups = {}, []
    for g in reserved_groups:
        for ij in g:
            owner[ij] = len(groups)
        groups.append(list(g))
    normal = [ij for ij, c in sorted(cells.items()) if c["inside"] and not c["kind"] and ij not in owner]
    rng.shuffle(normal)
    for ij in normal:
        if ij in owner:
            continue
        c = cells[ij]
        target = rng.choice(PARCEL_SIZE[size_class(c["cls"])])
        group, frontier = [ij], [ij]
        owner[ij] = len(groups)
        while frontier and len(group) < target:
            i, j = frontier.pop(rng.randrange(len(frontier)))
            for n in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                nc = cells.get(n)
                if (nc and n not in owner and nc["inside"] and not nc["kind"] and nc["cls"] == c["cls"]
                        and nc["village"] == c["village"] and len(group) < target):
                    owner[n] = len(groups)
                    group.append(n)
                    frontier.append(n)
        groups.append(group)
    # Linear features: runs of strip cells of one class and village, cut every 1.2-1.8 km.
    for (i, j), c in sorted(cells.items()):
        if (i, j) in owner or not c["inside"] or not c["kind"]:
            continue
        step = (0, 1) if c["xkind"] == c["kind"] else (1, 0)  # follow the strip that gave the class
        run, cur, length, limit = [], (i, j), 0.0, rng.uniform(1200, 1800)
        while (cur in cells and cur not in owner and cells[cur]["inside"] and cells[cur]["kind"]
               and cells[cur]["cls"] == c["cls"] and cells[cur]["village"] == c["village"] and length < limit):
            owner[cur] = len(groups)
            run.append(cur)
            length += cells[cur]["geom"].length / 2  # half the perimeter of a thin cell ~ its length
            cur = (cur[0] + step[0], cur[1] + step[1])
        groups.append(run)
    return groups


def build_parcels_2023(cells, groups):
    parcels = []
    for g in groups:
        first = cells[g[0]]
        geom = unary_union([cells[ij]["geom"] for ij in g])
        assert geom.geom_type == "Polygon" and geom.is_valid, (g, geom.geom_type)
        parcels.append({"cells": g, "geom": orient(geom, 1.0), "DLBM": first["cls"], "village": first["village"],
                        "czcs": first["czcs"], "zone": first["zone"], "hill_score": first["hill_score"],
                        "u": sum(cells[ij]["u"] for ij in g) / len(g), "v": sum(cells[ij]["v"] for ij in g) / len(g)})
    # Number parcels north-west to south-east within each village, as survey numbering runs.
    parcels.sort(key=lambda p: (p["village"], -round(p["v"] / 200), p["u"]))
    return parcels


def slope_attributes(parcel):
    """GDPDJB/GDLX and the 田坎 deduction coefficient KCXS for farmland, by landscape zone."""
    cls, zone = parcel["DLBM"], parcel["zone"]
    if cls not in FARMLAND:
        return "", "", 0.0
    if zone == "hills":
        return "3", "TT", 0.12
    if zone == "foothill":
        return "2", "PD", 0.08
    return "1", "", {"0101": 0.03, "0102": 0.02, "0103": 0.04}[cls]


def ownership(cls, czcs):
    if cls in STATE_OWNED:
        return "10"  # 国有土地所有权
    if czcs == "202":
        return "20"  # 国有土地使用权 in the town
    return "30"  # 集体土地所有权


def parcel_record(p, bsm, tbbh, year):
    cls, village = p["DLBM"], p["village"]
    gdpdjb, gdlx, kcxs = p.get("slope") or slope_attributes(p)
    tbmj = round(ellipsoidal_area(p["geom"]), 2)
    kcmj = round(tbmj * kcxs, 2)
    return {
        "BSM": bsm, "YSDM": "2001010100", "TBBH": str(tbbh), "DLBM": cls, "DLMC": CLASS_NAMES[cls],
        "QSXZ": ownership(cls, p["czcs"]), "QSDWDM": village + "0000000", "QSDWMC": VILLAGES[village],
        "ZLDWDM": village + "0000000", "ZLDWMC": VILLAGES[village], "TBMJ": tbmj,
        "KCDLBM": "1203" if kcxs else "", "KCXS": kcxs, "KCMJ": kcmj, "TBDLMJ": round(tbmj - kcmj, 2),
        "GDLX": gdlx, "GDPDJB": gdpdjb, "CZCSXM": p["czcs"], "SJNF": year,
    }


def number_parcels(parcels, year, first_bsm=1, tbbh_start=None):
    """Attach BSM/TBBH and the computed attributes; returns the next free BSM number."""
    next_tbbh = defaultdict(lambda: 1) if tbbh_start is None else tbbh_start
    bsm = first_bsm
    for p in parcels:
        if "record" in p and p.get("keep_record"):
            p["record"] = dict(p["record"], SJNF=year)
            continue
        tbbh = p.get("tbbh") or next_tbbh[p["village"]]
        if not p.get("tbbh"):
            next_tbbh[p["village"]] += 1
        p["record"] = parcel_record(p, f"{COUNTY_CODE}{bsm:012d}", tbbh, year)
        bsm += 1
    return bsm, next_tbbh


# --------------------------------------------------------------------------------------------
# Baselines: villages, basic farmland, red line, urban boundary
# --------------------------------------------------------------------------------------------

def build_admin_areas(cells):
    villages = {}
    for code in VILLAGES:
        geom = unary_union([c["geom"] for c in cells.values() if c["inside"] and c["village"] == code])
        assert geom.geom_type == "Polygon", code
        villages[code] = orient(geom, 1.0)
    townships = {t: orient(unary_union([g for v, g in villages.items() if v[:9] == t]), 1.0) for t in TOWNSHIPS}
    county = unary_union(list(villages.values()))
    assert county.geom_type == "Polygon" and not county.interiors
    return villages, townships, county


def parcel_adjacency(cells, parcels):
    owner = {ij: k for k, p in enumerate(parcels) for ij in p["cells"]}
    adj = defaultdict(set)
    for (i, j), k in owner.items():
        for n in ((i + 1, j), (i, j + 1)):
            if n in owner and owner[n] != k:
                adj[k].add(owner[n])
                adj[owner[n]].add(k)
    return adj


def block_deduction(parcel):
    """The 田坎 deduction (KCMJ) a basic-farmland block takes over from one of its parcels."""
    kcxs = (parcel.get("slope") or slope_attributes(parcel))[2]
    return round(round(ellipsoidal_area(parcel["geom"]), 2) * kcxs, 2)


def build_basic_farmland(rng, parcels, adj, excluded, urban):
    """永久基本农田: blocks of neighbouring farmland parcels until ~60 % of farmland, plus one
    re-delivered block that overlaps its original (the duplicate-delivery trap)."""
    farmland = [k for k, p in enumerate(parcels) if p["DLBM"] in FARMLAND]
    total = sum(parcels[k]["geom"].area for k in farmland)
    eligible = {k for k in farmland if k not in excluded and not parcels[k]["geom"].intersects(urban)}
    order = sorted(eligible, key=lambda k: (parcels[k]["DLBM"] == "0103", k))  # paddy and irrigated first
    head, tail = order[: len(order) // 2], order[len(order) // 2:]
    rng.shuffle(head)
    rng.shuffle(tail)
    blocks, taken, area = [], set(), 0.0
    for seed in head + tail:
        if seed in taken or area >= 0.6 * total:
            continue
        block, frontier, size = [seed], [seed], rng.randint(3, 8)
        taken.add(seed)
        while frontier and len(block) < size:
            k = frontier.pop(0)
            for n in sorted(adj[k]):
                if n in eligible and n not in taken and parcels[n]["village"] == parcels[seed]["village"] \
                        and len(block) < size:
                    block.append(n)
                    taken.add(n)
                    frontier.append(n)
        blocks.append(block)
        area += sum(parcels[k]["geom"].area for k in block)
    # The duplicate: a block re-delivered after a boundary repair, grown by free neighbours.
    for original in sorted(blocks, key=lambda b: -len(b)):
        extra = sorted({n for k in original for n in adj[k] if n in eligible and n not in taken
                        and parcels[n]["village"] == parcels[original[0]]["village"]})
        if extra and len(original) >= 3:
            duplicate = original + extra[:2]
            taken.update(extra[:2])
            break
    blocks.append(duplicate)
    features = []
    for n, block in enumerate(blocks, 1):
        geom = orient(unary_union([parcels[k]["geom"] for k in block]), 1.0)
        by_class = Counter()
        for k in block:
            by_class[parcels[k]["DLBM"]] += parcels[k]["geom"].area
        cls = by_class.most_common(1)[0][0]
        village = parcels[block[0]]["village"]
        tbmj = round(ellipsoidal_area(geom), 2)
        kcmj = round(sum(block_deduction(parcels[k]) for k in block), 2)
        features.append({"geom": geom, "parcels": block, "record": {
            "BSM": f"{COUNTY_CODE}YJ{n:06d}", "YJJBNTTBBH": f"{village}{n:04d}", "DLBM": cls,
            "DLMC": CLASS_NAMES[cls], "ZLDWDM": village + "0000000", "ZLDWMC": VILLAGES[village],
            "TBMJ": tbmj, "KCXS": round(kcmj / tbmj, 4), "KCMJ": kcmj,
            "YJJBNTMJ": round(tbmj - kcmj, 2)}})
    return features, (len(blocks) - 1, original), taken


def build_red_lines(parcels):
    """生态保护红线: the forested hill core, the reservoir's catchment, and the river corridor."""
    def near(p, centre, r):
        return math.hypot(p["u"] - centre[0], p["v"] - centre[1]) < r
    hill = [k for k, p in enumerate(parcels) if p["zone"] == "hills" and p["hill_score"] < 0.8
            and p["DLBM"] in ("0301", "0305", "0307", "0404") and not near(p, QUARRY, 350)
            and not near(p, RESERVOIR, 420)]
    reservoir = [k for k, p in enumerate(parcels) if near(p, RESERVOIR, 420)
                 and p["DLBM"] in ("0301", "0305", "0307", "0404", "1103", "1006")]
    river = [k for k, p in enumerate(parcels) if p["DLBM"] == "1101"]
    specs = [(hill, "石岭山水源涵养生态保护红线", "水源涵养"),
             (reservoir, "后沟水库饮用水水源地生态保护红线", "水源涵养"),
             (river, "大沙河河流生态廊道生态保护红线", "生物多样性维护")]
    features = []
    for n, (members, name, kind) in enumerate(specs, 1):
        geom = unary_union([parcels[k]["geom"] for k in members])
        # Keep only the substantial pieces: red lines are drawn as areas, not single-parcel islands.
        geom = unary_union([p for p in polygons_of(geom) if p.area > 60000]) if n == 1 else geom
        features.append({"geom": as_multipolygon(geom), "record": {
            "BSM": f"{COUNTY_CODE}HX{n:04d}", "HXMC": name, "HXLX": kind}})
    members = {k for k, p in enumerate(parcels)
               if any(f["geom"].buffer(-0.01).contains(p["geom"].representative_point()) for f in features)}
    return features, members


def build_urban_boundary(cells, county):
    town = unary_union([c["geom"] for c in cells.values() if c["inside"] and in_town(c["u"], c["v"])])
    geom = town.buffer(150, join_style=JOIN_STYLE.mitre).simplify(8).intersection(county)
    return [{"geom": as_multipolygon(round_geometry(geom)), "record": {"BSM": f"{COUNTY_CODE}KF0001",
                                                                      "MC": "河口镇城镇开发边界"}}]


# --------------------------------------------------------------------------------------------
# Monitoring patches (JCTB) and the legal-cover layers
# --------------------------------------------------------------------------------------------

# case id, count, host kind, after classes, area range m², aspect range
CASES = [
    ("farmland_to_rural_housing", 7, "farmland", ["0702"], (300, 900), (1.0, 1.8)),
    ("farmland_to_industry", 4, "farmland", ["0601"], (2500, 7500), (1.2, 2.0)),
    ("farmland_to_road", 3, "farmland", ["1003"], (1200, 2400), (9.0, 14.0)),
    ("basic_farmland_construction", 4, "basic_farmland", ["0702", "0601", "05H1", "0702"], (500, 4000), (1.0, 2.0)),
    ("red_line_construction", 3, "red_line", ["0602", "0602", "05H1"], (2000, 6500), (1.0, 1.8)),
    ("approved_full", 4, "farmland", ["0601", "0601", "1003", "08H2"], (2000, 6000), (1.2, 2.0)),
    ("approved_partial", 3, "farmland", ["0601", "05H1", "0702"], (2000, 5500), (1.2, 2.0)),
    ("facility_with_filing", 3, "farmland", ["1202"], (1000, 3500), (2.0, 4.0)),
    ("facility_without_filing", 3, "farmland", ["1202"], (1000, 3500), (2.0, 4.0)),
    ("temporary_use", 2, "farmland", ["1206"], (1500, 4500), (1.2, 2.5)),
    ("outside_urban_no_approval", 3, "other_land", ["0601", "0508", "05H1"], (1000, 5000), (1.0, 2.0)),
    ("inside_urban", 3, "urban_land", ["05H1", "0701", "0601"], (800, 3500), (1.0, 2.0)),
    ("below_threshold", 3, "farmland", ["0702", "0702", "0601"], (80, 150), (1.0, 1.6)),
    ("non_grain_orchard", 2, "farmland", ["0201"], (2000, 6000), (1.0, 2.0)),
    ("non_grain_forest", 2, "farmland", ["0301"], (2000, 6000), (1.0, 2.0)),
    ("non_grain_pond", 2, "farmland", ["1104"], (1500, 5000), (1.0, 1.8)),
    ("straddle_townships", 1, "straddle", ["0601"], (0, 0), (0, 0)),
    ("multipart", 2, "farmland", ["0702"], (250, 500), (1.0, 1.5)),
    ("invalid_bowtie", 1, "farmland", ["0702"], (640, 800), (1.3, 1.6)),  # rectangle; the bow-tie covers half
]
TBLX = {"0702": "20", "0701": "20", "0601": "20", "0508": "20", "05H1": "20", "08H2": "20", "1003": "DL2",
        "0602": "CK", "1202": "YH", "1206": "DT", "0201": "02", "0301": "03", "1104": "KT"}


def host_pools(parcels, basic_members, red_members, urban, reserved):
    """Candidate host parcels for each kind of case (each parcel hosts at most one patch)."""
    pools = defaultdict(list)
    for k, p in enumerate(parcels):
        if k in reserved:
            continue
        in_urban = p["geom"].intersects(urban)
        if p["DLBM"] in FARMLAND and not in_urban and k not in red_members:
            pools["basic_farmland" if k in basic_members else "farmland"].append(k)
        elif p["DLBM"] in ("0301", "0305") and k in red_members:
            pools["red_line"].append(k)
        elif p["DLBM"] in ("0404", "1206", "1201") and in_urban and k not in red_members:
            pools["urban_land"].append(k)
        elif p["DLBM"] in ("0404", "1206", "0307") and not in_urban and k not in red_members:
            pools["other_land"].append(k)
    return pools


def place_patch(rng, host, area_range, aspect_range, must_lie_in=None, margin=4.0):
    inner = host.buffer(-margin)
    if inner.is_empty or inner.area < area_range[1] * 1.2:
        return None
    for _ in range(30):
        area = rng.uniform(*area_range)
        shape = patch_outline(rng, random_point_in(rng, inner), area, rng.uniform(*aspect_range), rng.uniform(-12, 12))
        if (inner.contains(shape) and area_range[0] <= shape.area <= area_range[1]
                and (must_lie_in is None or must_lie_in.contains(shape))):
            return shape
    return None


def place_multipart(rng, host, area_range):
    inner = host.buffer(-4)
    if inner.is_empty or inner.area < 3000:
        return None
    for _ in range(40):
        a = patch_outline(rng, random_point_in(rng, inner), rng.uniform(*area_range), 1.3, rng.uniform(-10, 10))
        b = patch_outline(rng, random_point_in(rng, inner), rng.uniform(*area_range), 1.3, rng.uniform(-10, 10))
        if inner.contains(a) and inner.contains(b) and 10 < a.distance(b) < 60:
            return MultiPolygon([a, b])
    return None


def place_bowtie(rng, host, area_range, aspect_range):
    """A self-intersecting 'figure eight' ring: the two diagonals of a rectangle cross mid-way."""
    inner = host.buffer(-4)
    for _ in range(30):
        area, aspect = rng.uniform(*area_range), rng.uniform(*aspect_range)
        length = math.sqrt(area * aspect)
        centre = random_point_in(rng, inner)
        c = np.round([centre.x, centre.y], 3)
        corners = np.asarray(rectangle(Point(*c), length, area / length, rng.uniform(-10, 10)))
        # Corners symmetric about a millimetre point: the diagonals cross exactly at c, so the repaired
        # triangles need no rounding and the 2024 pieces match the patch to the last bit.
        d1, d2 = np.round(corners[2] - c, 3), np.round(corners[1] - c, 3)
        p0, p1, p2, p3 = c - d1, c + d2, c + d1, c - d2
        bowtie = Polygon([tuple(p0), tuple(p1), tuple(p3), tuple(p2)])
        if inner.contains(Polygon([tuple(p0), tuple(p1), tuple(p2), tuple(p3)])) and not bowtie.is_valid:
            return bowtie
    return None


def place_straddle(rng, cells, verts, pair, parcels, owner):
    """A patch across the shared edge of the reserved cell pair, ~70 % on one side."""
    (i, j), _ = pair
    a, b = np.asarray(verts[i + 1, j]), np.asarray(verts[i + 1, j + 1])
    mid, along = (a + b) / 2, (b - a) / np.linalg.norm(b - a)
    normal = np.array([-along[1], along[0]])  # points into the western cell
    major_west = rng.random() < 0.5
    hosts = unary_union([parcels[owner[ij]]["geom"] for ij in pair])
    for scale in (1.0, 0.9, 0.8, 0.7):  # shrink until it fits, keeping the 70/30 split
        length = 0.55 * np.linalg.norm(b - a) * scale
        w_west, w_east = (42.0 * scale, 18.0 * scale) if major_west else (18.0 * scale, 42.0 * scale)
        corners = [mid - along * length / 2 + normal * w_west, mid - along * length / 2 - normal * w_east,
                   mid + along * length / 2 - normal * w_east, mid + along * length / 2 + normal * w_west]
        shape = round_geometry(Polygon([tuple(c) for c in corners]))
        if shape.buffer(2).within(hosts) and shape.area >= 1000:
            return shape, LineString([tuple(a), tuple(b)])
    raise RuntimeError("the straddling patch does not fit its cells")


def node_straddle_crossings(patch, edge, parcels, hosts, villages, townships):
    """Make the points where the straddling patch crosses the township border real vertices of the
    patch, both host parcels and the village/township outlines, so that carving it needs no new,
    rounded intersection points (which would leave millimetre slivers against the patch)."""
    crossings = MultiPoint([tuple(np.round([p.x, p.y], 3)) for p in patch.exterior.intersection(edge).geoms])
    for k in hosts:
        parcels[k]["geom"] = orient(snap(parcels[k]["geom"], crossings, 0.002), 1.0)
    for areas in (villages, townships):
        for code in areas:
            areas[code] = orient(snap(areas[code], crossings, 0.002), 1.0)
    return snap(patch, crossings, 0.002)


def build_patches(rng, cells, verts, parcels, pools, straddle_pair, duplicate_overlap, urban):
    owner = {ij: k for k, p in enumerate(parcels) for ij in p["cells"]}
    used = {owner[ij] for ij in straddle_pair}
    patches = []
    for case, count, kind, after_classes, area_range, aspect in CASES:
        for n in range(count):
            after = after_classes[n % len(after_classes)]
            if case == "straddle_townships":
                shape, border = place_straddle(rng, cells, verts, straddle_pair, parcels, owner)
                patches.append({"case": case, "geom": shape, "after": after, "border": border,
                                "before": parcels[owner[straddle_pair[0]]]["DLBM"], "hosts": sorted(used)})
                continue
            pool = list(pools[kind])
            if case == "basic_farmland_construction" and n == 0:
                pool = [k for k in duplicate_overlap]  # inside both copies of the duplicated block
            rng.shuffle(pool)
            for k in pool:
                if k in used:
                    continue
                host = parcels[k]["geom"]
                if case == "multipart":
                    shape = place_multipart(rng, host, area_range)
                elif case == "invalid_bowtie":
                    shape = place_bowtie(rng, host, area_range, aspect)
                else:
                    shape = place_patch(rng, host, area_range, aspect,
                                        must_lie_in=urban if kind == "urban_land" else None)
                if shape is not None:
                    used.add(k)
                    patches.append({"case": case, "geom": shape, "after": after,
                                    "before": parcels[k]["DLBM"], "hosts": [k]})
                    break
            else:
                raise RuntimeError(f"no host found for {case}")
    return patches


def repaired(patch):
    """The patch's area as a valid geometry (the bow-tie becomes its two triangles)."""
    g = patch["geom"]
    return g if g.is_valid else MultiPolygon(polygons_of(make_valid(g)))


def approval_documents(rng, patches, parcels):
    """批准用地: a project polygon around each fully/partly approved patch, plus older approvals."""
    projects = {"0601": ["示范县经济开发区标准化厂房建设项目", "辽宁某某机械制造有限公司新建厂房项目",
                         "示范县农产品加工园区建设项目"],
                "05H1": ["河口镇商业综合体建设项目"], "0702": ["石岭乡农村村民住宅建设用地（批次）"],
                "1003": ["省道S312线示范县段改扩建工程"], "08H2": ["石岭乡中心小学扩建项目"]}
    features, n = [], 0
    for p in patches:
        if p["case"] not in ("approved_full", "approved_partial"):
            continue
        g = p["geom"]
        if p["case"] == "approved_full":
            geom = g.buffer(rng.uniform(8, 20), join_style=JOIN_STYLE.mitre)
        else:
            geom = half_covering(g, rng.uniform(0.42, 0.58))
        geom = clear_of_other_patches(geom, p, patches)
        n += 1
        features.append(approval_record(n, geom, projects[p["after"]][n % len(projects[p["after"]])],
                                        2023, rng))
    # Older approvals over land already built up (one factory, market, clinic): clear of every patch.
    taken = unary_union([repaired(p) for p in patches]).buffer(5)
    older = {"0601": "示范县某某食品有限公司厂区项目", "05H1": "河口镇农贸市场建设项目", "08H2": "河口镇卫生院迁建项目"}
    for cls, name in older.items():
        built = [q["geom"] for q in parcels if q["DLBM"] == cls and not q["geom"].intersects(taken)]
        n += 1
        geom = max(built, key=lambda g: g.area).buffer(-1, join_style=JOIN_STYLE.mitre)
        features.append(approval_record(n, geom, name, 2021, rng))
    return features


def half_covering(patch, share):
    """A project polygon covering `share` of the patch: the patch's buffer cut by a line across it."""
    minx, miny, maxx, maxy = patch.bounds
    big = patch.buffer(15, join_style=JOIN_STYLE.mitre)
    lo, hi = minx, maxx
    for _ in range(50):  # bisection on the cut line's position
        mid = (lo + hi) / 2
        west_of_cut = Polygon([(minx - 50, miny - 50), (mid, miny - 50), (mid, maxy + 50), (minx - 50, maxy + 50)])
        part = big.intersection(west_of_cut)
        if part.intersection(patch).area / patch.area < share:
            lo = mid
        else:
            hi = mid
    return part


def approval_record(n, geom, name, year, rng):
    geom = round_geometry(as_multipolygon(geom))
    month, day = rng.randint(1, 9), rng.randint(1, 28)
    return {"geom": geom, "record": {
        "PZWH": f"辽政地〔{year}〕{10 + 3 * n}号", "XMMC": name, "PZMJ": round(ellipsoidal_area(geom), 2),
        "PZRQ": f"{year}-{month:02d}-{day:02d}"}}


def clear_of_other_patches(geom, own, patches):
    """A legal-cover polygon must not reach into any other patch, or that patch's case would blur."""
    others = [repaired(p).buffer(3, join_style=JOIN_STYLE.mitre) for p in patches if p is not own]
    return geom.difference(unary_union(others))


def facility_filings(rng, patches, parcels):
    """设施农用地备案 around each filed facility patch, plus one over an existing 1202 parcel."""
    names = ["河口镇绿源蔬菜专业合作社日光温室", "石岭乡某某家庭农场养殖棚舍", "西河村食用菌种植大棚"]
    features = []
    for n, p in enumerate([p for p in patches if p["case"] == "facility_with_filing"], 1):
        geom = clear_of_other_patches(p["geom"].buffer(rng.uniform(3, 8), join_style=JOIN_STYLE.mitre), p, patches)
        features.append({"geom": round_geometry(as_multipolygon(geom)), "record": {
            "BABH": f"{COUNTY_CODE}SS2024{n:03d}", "XMMC": names[(n - 1) % len(names)],
            "BARQ": f"2024-{rng.randint(1, 8):02d}-{rng.randint(1, 28):02d}"}})
    taken = unary_union([repaired(p) for p in patches]).buffer(5)
    existing = [q["geom"] for q in parcels if q["DLBM"] == "1202" and not q["geom"].intersects(taken)]
    geom = existing[0].buffer(-1, join_style=JOIN_STYLE.mitre)
    features.append({"geom": round_geometry(as_multipolygon(geom)), "record": {
        "BABH": f"{COUNTY_CODE}SS2022011", "XMMC": "王家屯村生猪养殖设施", "BARQ": "2022-05-16"}})
    return features


def temporary_uses(rng, patches, parcels):
    """临时用地 around each temporary-use patch (term covering 2024-10), plus one finished use."""
    names = ["省道S312线改扩建工程施工临时用地", "66千伏输变电工程塔基施工临时用地"]
    features = []
    for n, p in enumerate([p for p in patches if p["case"] == "temporary_use"], 1):
        geom = clear_of_other_patches(p["geom"].buffer(rng.uniform(10, 20), join_style=JOIN_STYLE.mitre), p, patches)
        geom = round_geometry(as_multipolygon(geom))
        features.append({"geom": geom, "record": {
            "PZWH": f"示自然资临〔2024〕{n + 2}号", "XMMC": names[(n - 1) % len(names)],
            "QSRQ": f"2024-0{n + 2}-01", "JZRQ": f"2026-0{n + 1}-28"}})
    taken = unary_union([repaired(p) for p in patches]).buffer(5)
    done = [q["geom"] for q in parcels if q["DLBM"] == "0103" and q["zone"] == "plain_north"
            and not q["geom"].intersects(taken)]
    geom = done[len(done) // 2].buffer(-2, join_style=JOIN_STYLE.mitre)
    features.append({"geom": round_geometry(as_multipolygon(geom)),
                     "record": {"PZWH": "示自然资临〔2022〕7号", "XMMC": "县乡道路养护工程取土场临时用地（已复垦）",
                                "QSRQ": "2022-04-01", "JZRQ": "2023-09-30"}})
    return features


# --------------------------------------------------------------------------------------------
# Zones the county adds itself: a small nature reserve and a drinking-water source
# --------------------------------------------------------------------------------------------

RESERVE_NAME, WATER_NAME = "石岭自然保护区", "王家屯地下水饮用水水源保护区"
CORE_ZONE, GENERAL_ZONE = "核心保护区", "一般控制区"  # 功能分区 (GNFQ)
FIRST_LEVEL, SECOND_LEVEL = "一级保护区", "二级保护区"  # 保护级别 (BHJB)
# The reserve: the parcels whose representative point lies this close (m) to the anchor patch
# (core, general zone); the water source: circles this wide around its wells (first, second level).
RESERVE_RADII, WATER_RADII = (150.0, 450.0), (150.0, 500.0)
FOREST = ("0301", "0305", "0307")
LINEAR = ("1003", "1004", "1006", "1101", "1107")  # roads, ditches, the river: never chosen by distance
CLOSING = 15.0  # m: the roads and ditches between chosen parcels are closed over


def zone_anchors(patches, parcels):
    """The patches the zones are drawn around, both new construction outside the town without
    approval: the reserve's core around the one built on forest land (else the first), the
    water source's wells under the one nearest the river."""
    candidates = [p for p in patches if p["case"] == "outside_urban_no_approval"]
    reserve = next((p for p in candidates if p["before"] in FOREST), candidates[0])
    river = unary_union([q["geom"] for q in parcels if q["DLBM"] == "1101"])
    water = min((p for p in candidates if p is not reserve), key=lambda p: p["geom"].distance(river))
    return reserve, water


def parcels_near(parcels, anchor, radius):
    """The anchor's host and the parcels whose representative point lies within `radius` of it
    (linear parcels left out), with the roads and ditches between them closed over."""
    centre = anchor["geom"].centroid
    chosen = [q["geom"] for k, q in enumerate(parcels) if k in anchor["hosts"][:1] or
              (q["DLBM"] not in LINEAR and q["geom"].representative_point().distance(centre) <= radius)]
    return unary_union(chosen).buffer(CLOSING, join_style=JOIN_STYLE.mitre).buffer(-CLOSING, join_style=JOIN_STYLE.mitre)


def whole_patches(zone, patches):
    """The zone grown over every patch it cuts, so that each patch lies wholly in it or outside."""
    while True:
        shapes = [repaired(p) for p in patches]
        cut = [g for g in shapes if 0 < zone.intersection(g).area < g.area - 1e-6]
        if not cut:
            return zone
        zone = unary_union([zone] + [g.buffer(5, join_style=JOIN_STYLE.mitre) for g in cut])


def zone_pair(inner, outer, patches, county):
    """(inner zone, outer ring) clipped to the county, neither cutting any patch."""
    inner = whole_patches(inner.intersection(county), patches)
    outer = whole_patches(unary_union([outer.intersection(county), inner]), patches)
    return [round_geometry(as_multipolygon(g)) for g in (inner, outer.difference(inner))]


def build_zones(patches, parcels, county):
    """自然保护地 (core and general zone, GNFQ) and 饮用水水源保护区 (first and second level, BHJB)."""
    reserve, water = zone_anchors(patches, parcels)
    core, general = zone_pair(parcels_near(parcels, reserve, RESERVE_RADII[0]),
                              parcels_near(parcels, reserve, RESERVE_RADII[1]), patches, county)
    wells = water["geom"].centroid
    first, second = zone_pair(wells.buffer(WATER_RADII[0]), wells.buffer(WATER_RADII[1]), patches, county)
    return {
        "nature_reserve": [{"geom": geom, "record": {"BSM": f"{COUNTY_CODE}ZR{n:04d}", "MC": RESERVE_NAME,
                                                     "GNFQ": zone}}
                           for n, (geom, zone) in enumerate(((core, CORE_ZONE), (general, GENERAL_ZONE)), 1)],
        "water_source": [{"geom": geom, "record": {"BSM": f"{COUNTY_CODE}SY{n:04d}", "MC": WATER_NAME,
                                                   "BHJB": level}}
                         for n, (geom, level) in enumerate(((first, FIRST_LEVEL), (second, SECOND_LEVEL)), 1)],
    }


def zone_value(geom, features, field):
    """The field's value of the zone feature holding most of the patch; "" outside the zone."""
    area, value = max(((geom.intersection(f["geom"]).area, f["record"][field]) for f in features),
                      key=lambda t: t[0])
    return value if area > 0 else ""


# --------------------------------------------------------------------------------------------
# DLTB 2024: the change patches carved into the 2023 parcels
# --------------------------------------------------------------------------------------------

def new_czcs(after, piece, urban):
    """城镇村属性码 of a newly built piece: town inside the development boundary, else village."""
    if after == "0602":
        return "204"
    if after in CONSTRUCTION and after != "1003":
        return "202" if urban.contains(piece) else "203"
    return ""


def carve_changes(parcels, patches, urban):
    """2024 parcels: each 2023 parcel under a patch loses the patch's area, which becomes new parcels
    (one per patch and village piece) with the patch's after class. Both years stay partitions."""
    changed_hosts = defaultdict(list)
    for n, p in enumerate(patches):
        for k in p["hosts"]:
            changed_hosts[k].append(n)
    out, new_pieces = [], []
    for k, parcel in enumerate(parcels):
        if k not in changed_hosts:
            out.append(dict(parcel, keep_record=True))
            continue
        covering = unary_union([repaired(patches[n]) for n in changed_hosts[k]])
        for part in polygons_of(parcel["geom"].difference(covering)):
            out.append(dict(parcel, geom=part, keep_record=False, tbbh=None, record=None,
                            slope=slope_attributes(parcel)))
        for n in changed_hosts[k]:
            for part in polygons_of(parcel["geom"].intersection(repaired(patches[n]))):
                after = patches[n]["after"]
                new_pieces.append(dict(parcel, geom=part, DLBM=after, czcs=new_czcs(after, part, urban),
                                       tint=image_tint(patches[n]["JCBH"]), keep_record=False, tbbh=None,
                                       record=None, slope=("", "", 0.0), patch=n))
    # The straddling patch's two halves come from two overlays; round and node them together so
    # neighbours share exactly the same vertices.
    modified = [p for p in out if not p.get("keep_record")] + new_pieces
    for p in modified:
        p["geom"] = round_geometry(p["geom"])
    anchors = MultiPoint([pt for p in modified for ring in [p["geom"].exterior, *p["geom"].interiors]
                          for pt in ring.coords])
    for p in modified:
        p["geom"] = orient(snap(p["geom"], anchors, 0.002), 1.0)
        assert p["geom"].is_valid and p["geom"].geom_type == "Polygon", p["geom"].geom_type
    return out + new_pieces


# --------------------------------------------------------------------------------------------
# Truth, imagery, files
# --------------------------------------------------------------------------------------------

def expected_verdict(flags, before, after):
    """The verdict a county analyst gives by domain.md: legal cover first, then the small and the
    unclear cases, and unapproved new construction is a violation. A partly approved patch is
    judged by its unapproved rest (issue 4: the remainder is what is flagged). New construction in
    a nature reserve's core zone or a water source's first-level zone is a violation (the sources
    in resources/rules/ecology.yaml)."""
    if flags["approved_cover"] == "full" or flags["temporary"] or (after == "1202" and flags["facility_filing"]):
        return VERDICT_LEGAL
    if flags["below_threshold"]:
        return VERDICT_SMALL
    protected = flags["nature_reserve"] == CORE_ZONE or flags["water_source"] == FIRST_LEVEL
    if protected and after in CONSTRUCTION and before not in STOCK_CONSTRUCTION:
        return VERDICT_ILLEGAL
    if after == "1202":
        return VERDICT_CHECK  # facility agriculture without a filing: verify it is really a facility
    if before in FARMLAND and after in ("0201", "0301", "1104"):
        return VERDICT_CHECK  # 非粮化: farmland loss to recover, not illegal construction
    if before in STOCK_CONSTRUCTION and after in CONSTRUCTION:
        return VERDICT_CHECK  # already construction land: the supply / use-change papers decide
    return VERDICT_ILLEGAL


def patch_truth(patches, parcels, villages, layers):
    """Measure every patch against the generated layers and check it is the case it was built as."""
    farmland = unary_union([p["geom"] for p in parcels if p["DLBM"] in FARMLAND])
    unions = {name: unary_union([f["geom"] for f in feats]) for name, feats in layers.items()}
    rows = []
    for p in patches:
        g = repaired(p)
        share = {name: g.intersection(u).area / g.area for name, u in unions.items()}
        by_village = sorted(((g.intersection(v).area, code) for code, v in villages.items()), reverse=True)
        townships = {code[:9] for a, code in by_village if a > 0.01 * g.area}
        flags = {
            "in_basic_farmland": int(share["basic_farmland"] > 0), "in_red_line": int(share["red_line"] > 0),
            "inside_urban": int(share["urban"] > 0.5),
            "approved_cover": ("full" if share["approved"] > 0.999 else
                               "partial" if share["approved"] > 0.001 else "none"),
            "facility_filing": int(share["facility"] > 0), "temporary": int(share["temporary"] > 0),
            "below_threshold": int(p["case"] == "below_threshold"), "invalid_geometry": int(not p["geom"].is_valid),
            "multipart": int(p["geom"].geom_type == "MultiPolygon" and len(p["geom"].geoms) > 1),
            "nature_reserve": zone_value(g, layers["nature_reserve"], "GNFQ"),
            "water_source": zone_value(g, layers["water_source"], "BHJB"),
        }
        check_case_is_clean(p, flags, share)
        village = by_village[0][1]
        rows.append(dict(JCBH=p["JCBH"], case=p["case"], township=TOWNSHIPS[village[:9]], village=VILLAGES[village],
                         straddles=int(len(townships) > 1),
                         in_farmland_m2_approx=round(g.intersection(farmland).area, 1),
                         **flags, expected_verdict=expected_verdict(flags, p["before"], p["after"])))
    return rows


def check_case_is_clean(p, flags, share):
    """Each patch is exactly its case: fully in or fully out of every baseline, unless the case says so."""
    case = p["case"]
    for name, value in share.items():
        partial_ok = name == "approved" and case == "approved_partial"
        assert value < 1e-9 or value > 1 - 1e-9 or partial_ok, (case, name, value)
    assert (flags["in_basic_farmland"] == 1) == (case == "basic_farmland_construction"), case
    assert (flags["in_red_line"] == 1) == (case == "red_line_construction"), case
    assert (flags["inside_urban"] == 1) == (case == "inside_urban"), case
    assert (flags["approved_cover"] == "full") == (case == "approved_full"), case
    assert (flags["approved_cover"] == "partial") == (case == "approved_partial"), case
    if case == "approved_partial":
        assert 0.4 <= share["approved"] <= 0.6, share["approved"]
    assert flags["facility_filing"] == (case == "facility_with_filing"), case
    assert flags["temporary"] == (case == "temporary_use"), case


PALETTE = {
    "0101": (96, 140, 82), "0102": (138, 160, 92), "0103": (172, 162, 112), "0201": (88, 128, 70),
    "0301": (42, 88, 46), "0305": (72, 108, 60), "0307": (96, 118, 74), "0404": (150, 158, 104),
    "05H1": (186, 170, 168), "0508": (196, 196, 200), "0601": (205, 206, 212), "0602": (204, 190, 168),
    "0701": (178, 170, 166), "0702": (168, 150, 140), "08H1": (176, 160, 158), "08H2": (190, 168, 150),
    "0810": (90, 140, 90), "1003": (118, 118, 120), "1004": (130, 128, 126), "1006": (162, 150, 128),
    "1101": (52, 84, 118), "1103": (44, 74, 112), "1104": (62, 96, 120), "1107": (84, 112, 122),
    "1201": (176, 166, 140), "1202": (232, 236, 240), "1203": (150, 140, 100), "1206": (186, 166, 132),
}


def image_tint(key):
    """A stable brightness offset (-6..6) so neighbouring parcels of one class stay distinguishable."""
    return zlib.crc32(key.encode()) % 13 - 6


def write_image(path, parcels, bounds):
    """An RGB 'image' painted by land class, each parcel with its own slight tint."""
    minx, miny, maxx, maxy = (math.floor(bounds[0] / PIXEL) * PIXEL - 40, math.floor(bounds[1] / PIXEL) * PIXEL - 40,
                              math.ceil(bounds[2] / PIXEL) * PIXEL + 40, math.ceil(bounds[3] / PIXEL) * PIXEL + 40)
    width, height = int((maxx - minx) / PIXEL), int((maxy - miny) / PIXEL)
    affine = from_origin(minx, maxy, PIXEL, PIXEL)
    index = rasterize(((mapping(p["geom"]), n) for n, p in enumerate(parcels, 1)), out_shape=(height, width),
                      transform=affine, fill=0, dtype="uint16")
    lut = np.zeros((len(parcels) + 1, 3), dtype=np.int16)
    lut[0] = (112, 120, 92)  # outside the county
    for n, p in enumerate(parcels, 1):
        lut[n] = np.asarray(PALETTE[p["DLBM"]]) + p["tint"]
    rgb = np.clip(lut[index], 0, 255).astype("uint8").transpose(2, 0, 1)
    profile = dict(driver="GTiff", width=width, height=height, count=3, dtype="uint8", crs=f"EPSG:{EPSG}",
                   transform=affine, tiled=True, blockxsize=256, blockysize=256, compress="deflate",
                   predictor=2, photometric="RGB", interleave="pixel")
    with rasterio.Env(COMPRESS_OVERVIEW="DEFLATE", PREDICTOR_OVERVIEW="2"):
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(rgb)
        with rasterio.open(path, "r+") as dst:
            dst.build_overviews([2, 4, 8], Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")


def write_layer(path, layer, fields, features, geometry_type="MultiPolygon", driver="GPKG", encoding=None):
    schema = {"geometry": geometry_type, "properties": dict(fields)}
    options = {"driver": driver, "schema": schema, "crs_wkt": CRS_WKT}
    if layer:
        options["layer"] = layer
    if encoding:
        options["encoding"] = encoding
    with fiona.open(path, "w", **options) as dst:
        dst.writerecords({"geometry": mapping(f["geom"]), "properties": f["record"]} for f in features)


DLTB_FIELDS = [("BSM", "str:18"), ("YSDM", "str:10"), ("TBBH", "str:8"), ("DLBM", "str:5"), ("DLMC", "str:60"),
               ("QSXZ", "str:2"), ("QSDWDM", "str:19"), ("QSDWMC", "str:255"), ("ZLDWDM", "str:19"),
               ("ZLDWMC", "str:255"), ("TBMJ", "float"), ("KCDLBM", "str:5"), ("KCXS", "float"), ("KCMJ", "float"),
               ("TBDLMJ", "float"), ("GDLX", "str:2"), ("GDPDJB", "str:2"), ("CZCSXM", "str:5"), ("SJNF", "int")]
JCTB_FIELDS = [("JCBH", "str:30"), ("XZQDM", "str:12"), ("QSX", "str:10"), ("HSX", "str:10"), ("QDLBM", "str:5"),
               ("HDLBM", "str:5"), ("JCMJ", "float"), ("TBLX", "str:10"), ("BZ", "str:255")]
TRUTH_COLUMNS = ["JCBH", "case", "township", "village", "straddles", "in_farmland_m2_approx", "in_basic_farmland",
                 "in_red_line", "inside_urban", "approved_cover", "facility_filing", "temporary", "below_threshold",
                 "invalid_geometry", "multipart", "nature_reserve", "water_source", "expected_verdict"]


OUTPUT_FILES = ["dltb_2023.gpkg", "dltb_2024.gpkg", "yjjbnttb.gpkg", "stbhhx.gpkg", "czkfbj.gpkg", "pzyd.shp",
                "pzyd.shx", "pzyd.dbf", "pzyd.prj", "pzyd.cpg", "ssnyd.gpkg", "lsyd.gpkg", "xzq.gpkg", "jctb.gpkg",
                "zrbhd.gpkg", "sydbhq.gpkg", "before.tif", "after.tif", "truth.csv"]


def remove_outputs(out_dir):
    """Delete what an earlier run wrote (GDAL will not overwrite a GeoPackage layer by itself)."""
    for name in OUTPUT_FILES:
        for suffix in ("", ".aux.xml"):
            path = os.path.join(out_dir, name + suffix)
            if os.path.exists(path):
                os.remove(path)


def write_outputs(out_dir, villages, townships, dltb23, dltb24, layers, patches, truth):
    remove_outputs(out_dir)
    for name, parcels in (("dltb_2023.gpkg", dltb23), ("dltb_2024.gpkg", dltb24)):
        write_layer(os.path.join(out_dir, name), "DLTB", DLTB_FIELDS,
                    [{"geom": as_multipolygon(p["geom"]), "record": p["record"]} for p in parcels])
    write_layer(os.path.join(out_dir, "yjjbnttb.gpkg"), "YJJBNTTB",
                [("BSM", "str:18"), ("YJJBNTTBBH", "str:18"), ("DLBM", "str:5"), ("DLMC", "str:60"),
                 ("ZLDWDM", "str:19"), ("ZLDWMC", "str:255"), ("TBMJ", "float"), ("KCXS", "float"),
                 ("KCMJ", "float"), ("YJJBNTMJ", "float")],
                [{"geom": as_multipolygon(f["geom"]), "record": f["record"]} for f in layers["basic_farmland"]])
    write_layer(os.path.join(out_dir, "stbhhx.gpkg"), "STBHHX",
                [("BSM", "str:18"), ("HXMC", "str:100"), ("HXLX", "str:20")], layers["red_line"])
    write_layer(os.path.join(out_dir, "czkfbj.gpkg"), "CZKFBJ", [("BSM", "str:18"), ("MC", "str:100")], layers["urban"])
    write_layer(os.path.join(out_dir, "zrbhd.gpkg"), "ZRBHD",
                [("BSM", "str:18"), ("MC", "str:100"), ("GNFQ", "str:20")], layers["nature_reserve"])
    write_layer(os.path.join(out_dir, "sydbhq.gpkg"), "SYDBHQ",
                [("BSM", "str:18"), ("MC", "str:100"), ("BHJB", "str:20")], layers["water_source"])
    shp = os.path.join(out_dir, "pzyd.shp")
    write_layer(shp, None, [("PZWH", "str:50"), ("XMMC", "str:120"), ("PZMJ", "float:15.2"), ("PZRQ", "date")],
                layers["approved"], geometry_type="Polygon", driver="ESRI Shapefile", encoding="GBK")
    if os.path.exists(shp[:-4] + ".cpg"):
        os.remove(shp[:-4] + ".cpg")  # as counties send them: GBK with nothing saying so
    write_layer(os.path.join(out_dir, "ssnyd.gpkg"), "SSNYD",
                [("BABH", "str:30"), ("XMMC", "str:120"), ("BARQ", "date")], layers["facility"])
    write_layer(os.path.join(out_dir, "lsyd.gpkg"), "LSYD",
                [("PZWH", "str:50"), ("XMMC", "str:120"), ("QSRQ", "date"), ("JZRQ", "date")], layers["temporary"])
    xzq = os.path.join(out_dir, "xzq.gpkg")
    write_layer(xzq, "CJXZQ", [("XZQDM", "str:12"), ("XZQMC", "str:100"), ("XZDM", "str:9"), ("XZMC", "str:100")],
                [{"geom": as_multipolygon(g), "record": {"XZQDM": code, "XZQMC": VILLAGES[code], "XZDM": code[:9],
                                                         "XZMC": TOWNSHIPS[code[:9]]}} for code, g in villages.items()])
    write_layer(xzq, "XZQ", [("XZQDM", "str:9"), ("XZQMC", "str:100")],
                [{"geom": as_multipolygon(g), "record": {"XZQDM": code, "XZQMC": TOWNSHIPS[code]}}
                 for code, g in townships.items()])
    write_layer(os.path.join(out_dir, "jctb.gpkg"), "JCTB", JCTB_FIELDS,
                [{"geom": MultiPolygon(polygons_of(p["geom"]) if p["geom"].is_valid else [p["geom"]]),
                  "record": p["record"]} for p in patches])
    with open(os.path.join(out_dir, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=TRUTH_COLUMNS)
        writer.writeheader()
        writer.writerows(truth)


def generate(out_dir, seed=DEFAULT_SEED):
    """Write the demo county into `out_dir` and return a summary (layer feature counts, cases, sizes)."""
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(seed)  # Python's Mersenne Twister: the same stream on every Python 3
    cells, verts = build_cells(rng)
    pond_groups = reserve_pond_blocks(rng, cells)
    straddle_pair = reserve_straddle_pair(cells, {ij for g in pond_groups for ij in g})
    parcels = build_parcels_2023(cells, group_cells_into_parcels(rng, cells, pond_groups))
    villages, townships, county = build_admin_areas(cells)
    urban = build_urban_boundary(cells, county)
    urban_geom = urban[0]["geom"]
    owner = {ij: k for k, p in enumerate(parcels) for ij in p["cells"]}
    reserved = {owner[ij] for ij in straddle_pair}
    adj = parcel_adjacency(cells, parcels)
    basic, (dup_index, dup_original), basic_members = build_basic_farmland(rng, parcels, adj, reserved, urban_geom)
    red, red_members = build_red_lines(parcels)
    pools = host_pools(parcels, basic_members, red_members, urban_geom, reserved)
    patches = build_patches(rng, cells, verts, parcels, pools, straddle_pair, dup_original, urban_geom)
    straddle = next(p for p in patches if p["case"] == "straddle_townships")
    straddle["geom"] = node_straddle_crossings(straddle["geom"], straddle["border"], parcels, straddle["hosts"],
                                               villages, townships)
    layers = {"basic_farmland": basic, "red_line": red, "urban": urban,
              "approved": approval_documents(rng, patches, parcels),
              "facility": facility_filings(rng, patches, parcels), "temporary": temporary_uses(rng, patches, parcels)}

    # Monitoring numbers are handed out in shuffled order, so the case cannot be read from the number.
    order = list(range(len(patches)))
    rng.shuffle(order)
    for number, n in enumerate(order, 1):
        p = patches[n]
        p["JCBH"] = f"{COUNTY_CODE}2024{number:04d}"
        p["record"] = {"JCBH": p["JCBH"], "XZQDM": COUNTY_CODE, "QSX": SURVEY_BEFORE, "HSX": SURVEY_AFTER,
                       "QDLBM": p["before"], "HDLBM": p["after"], "JCMJ": round(ellipsoidal_area(repaired(p)), 2),
                       "TBLX": TBLX[p["after"]], "BZ": "2024年度第一批" if number % 2 else "2024年度第二批"}
    patches.sort(key=lambda p: p["JCBH"])
    layers.update(build_zones(patches, parcels, county))  # no random draw: the other layers stay as they were

    next_bsm, next_tbbh = number_parcels(parcels, 2023)
    for p in parcels:  # a parcel keeps its colour in both images unless a change hits it
        p["tint"] = image_tint(p["record"]["BSM"])
    dltb24 = carve_changes(parcels, patches, urban_geom)
    number_parcels(dltb24, 2024, first_bsm=next_bsm, tbbh_start=next_tbbh)
    assert_partition(parcels, county)
    assert_partition(dltb24, county)

    truth = patch_truth(patches, parcels, villages, layers)
    write_outputs(out_dir, villages, townships, parcels, dltb24, layers, patches, truth)
    write_image(os.path.join(out_dir, "before.tif"), parcels, county.bounds)
    write_image(os.path.join(out_dir, "after.tif"), dltb24, county.bounds)

    files = sorted(f for f in os.listdir(out_dir) if f in OUTPUT_FILES)
    return {
        "seed": seed, "out_dir": out_dir, "crs": f"EPSG:{EPSG}",
        "layers": {"dltb_2023.gpkg:DLTB": len(parcels), "dltb_2024.gpkg:DLTB": len(dltb24),
                   "yjjbnttb.gpkg:YJJBNTTB": len(basic), "stbhhx.gpkg:STBHHX": len(red),
                   "czkfbj.gpkg:CZKFBJ": len(urban), "zrbhd.gpkg:ZRBHD": len(layers["nature_reserve"]),
                   "sydbhq.gpkg:SYDBHQ": len(layers["water_source"]), "pzyd.shp": len(layers["approved"]),
                   "ssnyd.gpkg:SSNYD": len(layers["facility"]), "lsyd.gpkg:LSYD": len(layers["temporary"]),
                   "xzq.gpkg:CJXZQ": len(villages), "xzq.gpkg:XZQ": len(townships), "jctb.gpkg:JCTB": len(patches)},
        "cases": dict(Counter(r["case"] for r in truth)),
        "verdicts": dict(Counter(r["expected_verdict"] for r in truth)),
        "overlapping_basic_farmland": [next(f["record"]["BSM"] for f in basic if f["parcels"] == dup_original),
                                       basic[dup_index]["record"]["BSM"]],  # original, re-delivered
        "county_area_m2": round(ellipsoidal_area(county), 2),
        "farmland_area_m2": round(sum(p["record"]["TBMJ"] for p in parcels if p["DLBM"] in FARMLAND), 2),
        "files": files, "bytes": sum(os.path.getsize(os.path.join(out_dir, f)) for f in files),
    }


def assert_partition(parcels, county):
    """No gaps, no overlaps: the parcels' areas add up to their union, which is the county."""
    union = unary_union([p["geom"] for p in parcels])
    total = sum(p["geom"].area for p in parcels)
    assert abs(union.area - county.area) < 0.01 and abs(total - union.area) < 0.01, (total, union.area, county.area)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "demo", "data"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    summary = generate(args.out, seed=args.seed)
    for name, count in summary["layers"].items():
        print(f"{name:26s} {count:6d}")
    print(f"patch cases: {len(summary['cases'])}, verdicts: {summary['verdicts']}")
    print(f"total size: {summary['bytes'] / 1e6:.2f} MB in {summary['out_dir']}")


if __name__ == "__main__":
    main()
