"""A small county and ways to damage it, for the hostile-input suite (test_hostile_inputs.py).

Every case builds its inputs in a fresh folder with plain OGR/sqlite (never with the engine) and
returns the command-line arguments to run on them.
"""

import os
import sqlite3
import struct

import yaml
from osgeo import ogr, osr

from layer_factory import X0, Y0, square, write_layer

ogr.UseExceptions()

PATCHES = [("P1", "0103", "0702"), ("P2", "0101", "0601"), ("P3", "0301", "0702"),
           ("P4", "0103", "1202")]


def base_county(folder, patch_geoms=None, patch_attrs=None):
    """Patches over farmland, basic farmland and two villages; returns the job dict."""
    geoms = patch_geoms or [square(0, 0, 100), square(200, 0, 80), square(400, 0, 60),
                            square(0, 300, 50)]
    attrs = patch_attrs or [{"JCBH": i, "QDLBM": b, "HDLBM": a} for i, b, a in PATCHES]
    write_layer(os.path.join(folder, "jctb.gpkg"), geoms, attrs, layer="JCTB")
    write_layer(os.path.join(folder, "dltb.gpkg"),
                [square(-50, -50, 300), square(250, -50, 300), square(-50, 250, 200)],
                [{"DLBM": "0103", "BSM": "1"}, {"DLBM": "0101", "BSM": "2"},
                 {"DLBM": "0102", "BSM": "3"}], layer="DLTB")
    write_layer(os.path.join(folder, "yjjbnt.gpkg"), [square(150, -50, 200)], [{"BSM": "Y1"}],
                layer="YJJBNTTB")
    write_layer(os.path.join(folder, "xzq.gpkg"), [square(-100, -100, 350), square(250, -100, 400)],
                [{"XZMC": "甲镇", "XZQMC": "一村"}, {"XZMC": "甲镇", "XZQMC": "二村"}],
                layer="CJXZQ")
    return {
        "patches": {"path": "jctb.gpkg", "layer": "JCTB", "id_field": "JCBH",
                    "before_field": "QDLBM", "after_field": "HDLBM"},
        "baselines": {"farmland": {"path": "dltb.gpkg", "layer": "DLTB",
                                   "where": {"DLBM": ["01*"]}},
                      "basic_farmland": {"path": "yjjbnt.gpkg", "layer": "YJJBNTTB"}},
        "exemptions": {},
        "admin": {"path": "xzq.gpkg", "layer": "CJXZQ", "township_field": "XZMC",
                  "village_field": "XZQMC"},
    }


def write_job(folder, job, name="job.yaml", encoding="utf-8"):
    path = os.path.join(folder, name)
    with open(path, "w", encoding=encoding) as f:
        yaml.safe_dump(job, f, allow_unicode=True)
    return path


def set_blob(gpkg, table, fid, blob):
    """Overwrite one feature's geometry blob with raw bytes (what a broken tool may leave)."""
    con = sqlite3.connect(gpkg)
    column = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                         (table,)).fetchone()[0]
    # GDAL's triggers call functions only GDAL registers: drop them for the raw update.
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE fid = ?', (blob, fid))
    con.commit()
    con.close()


def gpkg_blob(wkb, srs_id=4529):
    """A GeoPackage geometry blob (no envelope) around raw WKB bytes."""
    return b"GP" + bytes([0, 1]) + struct.pack("<i", srs_id) + wkb


def polygon_wkb(rings):
    """Little-endian Polygon WKB of rings given as lists of (x, y), written as given (unclosed,
    two points or NaN included)."""
    out = struct.pack("<BII", 1, 3, len(rings))
    for ring in rings:
        out += struct.pack("<I", len(ring))
        for x, y in ring:
            out += struct.pack("<dd", x, y)
    return out


def unknown_typed_layer(path, wkts, attrs, layer):
    """A GeoPackage layer of geometry type Unknown holding any geometries given as WKT."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    lyr = ds.CreateLayer(layer, srs, ogr.wkbUnknown)
    for name in sorted({k for a in attrs for k in a}):
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for wkt, a in zip(wkts, attrs):
        f = ogr.Feature(lyr.GetLayerDefn())
        for k, v in a.items():
            f.SetField(k, v)
        if wkt:
            f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(f)
    ds = None


def ring(x, y, size):
    return [(X0 + x, Y0 + y), (X0 + x + size, Y0 + y), (X0 + x + size, Y0 + y + size),
            (X0 + x, Y0 + y + size), (X0 + x, Y0 + y)]
