"""Four generated counties (2 × 2, 1 km each) for the region tests, written with plain OGR.

Region-wide layers: farmland (100 m parcels of mixed classes), basic farmland and a red line
(some across county borders), approvals, and an administrative layer of villages whose 12-digit
XZQDM starts with the county code (it serves as the partition's county layer too). Patches:
each county's own file (its county run), and all of them in one region-wide file with XZQDM.
Two patches are special: ``B1`` lies across the border of 331001 and 331002 and carries the
code of 331001; ``B2`` carries no code and lies across the same border with its centroid in
331002. Patch ids repeat between counties (they need only be unique within one).
"""

import os

import numpy as np
from shapely.geometry import Polygon, box

from layer_factory import X0, Y0, write_layer

SIDE = 1000.0
COUNTIES = {"331001": (0, 0), "331002": (1, 0), "331003": (0, 1), "331004": (1, 1)}
NAMES = {"331001": "甲县", "331002": "乙县", "331003": "丙县", "331004": "丁县"}
CLASSES = ["0101", "0102", "0103", "0301", "0702", "1006"]
AFTER = ["0702", "0601", "1202", "0101", "05H1"]
PATCHES_PER_COUNTY = 10
BORDER_CODED, BORDER_UNCODED = "B1", "B2"


def county_box(code, dx=0.0, dy=0.0):
    i, j = COUNTIES[code]
    return box(X0 + i * SIDE + dx, Y0 + j * SIDE + dy, X0 + (i + 1) * SIDE - dx,
               Y0 + (j + 1) * SIDE - dy)


def _quad(rng, cx, cy):
    w, h = rng.uniform(20, 60, 2)
    return Polygon([(cx - w, cy - h), (cx + w, cy - h), (cx + w * 1.1, cy + h),
                    (cx - w * 0.8, cy + h * 1.2)])


def county_patches(seed=11):
    """{county code: [(geometry, attributes)]}, the border patches included where they belong."""
    rng = np.random.default_rng(seed)
    out = {}
    for n, code in enumerate(COUNTIES):
        i, j = COUNTIES[code]
        items = []
        for k in range(PATCHES_PER_COUNTY):
            cx = X0 + i * SIDE + rng.uniform(100, SIDE - 100)
            cy = Y0 + j * SIDE + rng.uniform(100, SIDE - 100)
            items.append((_quad(rng, cx, cy), {
                "JCBH": f"JC{k + 1:03d}", "QDLBM": CLASSES[(k + n) % len(CLASSES)],
                "HDLBM": AFTER[(k * 3 + n) % len(AFTER)], "XZQDM": f"{code}{100 + k % 2:03d}001"}))
        out[code] = items
    # across the 331001 | 331002 border (x = X0 + SIDE): mostly in 331001, coded 331001
    out["331001"].append((box(X0 + SIDE - 70, Y0 + 400, X0 + SIDE + 30, Y0 + 460),
                          {"JCBH": BORDER_CODED, "QDLBM": "0101", "HDLBM": "0702",
                           "XZQDM": "331001100001"}))
    # across the same border, no code, its centroid in 331002
    out["331002"].append((box(X0 + SIDE - 20, Y0 + 600, X0 + SIDE + 80, Y0 + 650),
                          {"JCBH": BORDER_UNCODED, "QDLBM": "0103", "HDLBM": "0601",
                           "XZQDM": None}))
    return out


def write_baselines(folder):
    """The region-wide layers every county reads; returns the job's baseline/exemption/admin
    entries (paths relative to ``folder``)."""
    cells, codes = [], []
    for r in range(20):
        for c in range(20):
            cells.append(box(X0 + c * 100, Y0 + r * 100, X0 + (c + 1) * 100, Y0 + (r + 1) * 100))
            codes.append({"DLBM": CLASSES[(r * 7 + c) % len(CLASSES)]})
    write_layer(os.path.join(folder, "dltb.gpkg"), cells, codes, layer="DLTB")
    write_layer(os.path.join(folder, "yjjbnt.gpkg"),
                [box(X0 + 850, Y0 + 300, X0 + 1250, Y0 + 700), box(X0 + 200, Y0 + 1200,
                                                                   X0 + 700, Y0 + 1800)],
                [{"BH": "JB1"}, {"BH": "JB2"}], layer="YJJBNTTB")
    write_layer(os.path.join(folder, "hx.gpkg"),
                [box(X0 + 1300, Y0 + 1300, X0 + 1900, Y0 + 1900),
                 box(X0 + 900, Y0 + 550, X0 + 1100, Y0 + 700)], [{"HXMC": "红线一"}, {"HXMC": "红线二"}],
                layer="STBHHX")
    write_layer(os.path.join(folder, "pzyd.gpkg"),
                [box(X0 + 100, Y0 + 100, X0 + 600, Y0 + 300), box(X0 + 1400, Y0 + 100,
                                                                  X0 + 1500, Y0 + 900)],
                [{"PZWH": "批-1"}, {"PZWH": "批-2"}], layer="PZYD")
    villages, attrs = [], []
    for code in COUNTIES:
        whole = county_box(code)
        minx, miny, maxx, maxy = whole.bounds
        for half, (a, b) in enumerate(((minx, (minx + maxx) / 2), ((minx + maxx) / 2, maxx))):
            villages.append(box(a, miny, b, maxy))
            attrs.append({"XZQDM": f"{code}{100 + half:03d}001", "XZMC": f"{NAMES[code]}{half + 1}镇",
                          "XZQMC": f"{NAMES[code]}{half + 1}村", "XMC": NAMES[code]})
    write_layer(os.path.join(folder, "xzq.gpkg"), villages, attrs, layer="CJXZQ")
    return {"baselines": {"farmland": {"path": "../dltb.gpkg", "layer": "DLTB",
                                       "where": {"DLBM": ["01*"]}},
                          "basic_farmland": {"path": "../yjjbnt.gpkg", "layer": "YJJBNTTB"},
                          "red_line": {"path": "../hx.gpkg", "layer": "STBHHX"}},
            "exemptions": {"approved": {"path": "../pzyd.gpkg", "layer": "PZYD",
                                        "id_field": "PZWH"}},
            "admin": {"path": "../xzq.gpkg", "layer": "CJXZQ", "township_field": "XZMC",
                      "village_field": "XZQMC"}}


PATCH_FIELDS = ["JCBH", "QDLBM", "HDLBM", "XZQDM"]


def _job_text(patches_path, layers):
    import yaml

    job = {"patches": {"path": patches_path, "layer": "JCTB", "id_field": "JCBH",
                       "before_field": "QDLBM", "after_field": "HDLBM", "code_field": "XZQDM"},
           **layers}
    return yaml.safe_dump(job, allow_unicode=True, sort_keys=False)


def build_region(folder):
    """Write the four counties under ``folder``: ``<code>/jctb.gpkg`` and ``<code>/job.yaml``
    (each county's own run), ``region/jctb.gpkg`` and ``region/job.yaml`` (region-wide patches),
    ``counties.yaml`` (a region of county jobs) and ``partitioned.yaml`` (one job, partitioned
    by the village layer). Returns {county code: [(geometry, attributes)]}."""
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    layers = write_baselines(folder)
    patches = county_patches()
    every = []
    for code, items in patches.items():
        os.makedirs(os.path.join(folder, code), exist_ok=True)
        write_layer(os.path.join(folder, code, "jctb.gpkg"), [g for g, _ in items],
                    [a for _, a in items], layer="JCTB", fields=PATCH_FIELDS)
        with open(os.path.join(folder, code, "job.yaml"), "w", encoding="utf-8") as f:
            f.write(_job_text("jctb.gpkg", layers))
        every += items
    os.makedirs(os.path.join(folder, "region"), exist_ok=True)
    write_layer(os.path.join(folder, "region", "jctb.gpkg"), [g for g, _ in every],
                [a for _, a in every], layer="JCTB", fields=PATCH_FIELDS)
    with open(os.path.join(folder, "region", "job.yaml"), "w", encoding="utf-8") as f:
        f.write(_job_text("jctb.gpkg", layers))
    with open(os.path.join(folder, "counties.yaml"), "w", encoding="utf-8") as f:
        f.write("name: 示范市\nledger: {year: 2024, batch: 2024年度第一批, unit: 示范市自然资源和规划局}\n"
                "counties:\n" + "".join(f"  - {{code: '{c}', job: {c}/job.yaml, name: {NAMES[c]}}}\n"
                                        for c in COUNTIES))
    with open(os.path.join(folder, "partitioned.yaml"), "w", encoding="utf-8") as f:
        f.write("name: 示范市\nledger: {year: 2024, batch: 2024年度第一批}\njob: region/job.yaml\n"
                "partition:\n  code_field: XZQDM\n"
                "  counties: {path: xzq.gpkg, layer: CJXZQ, code_field: XZQDM, name_field: XMC}\n")
    return patches
