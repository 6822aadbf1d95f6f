"""Writing result GeoPackages atomically: a temporary file in the same folder, then a rename.

Layer schemas (fields, spatial index, aliases) are made by GDAL; the rows of large layers are
then inserted in bulk through sqlite3 (a GeoPackage is an SQLite database), which is about ten
times faster than one OGR call per field of every feature.
"""

import os
import sqlite3
import struct
from contextlib import contextmanager

import numpy as np
from osgeo import gdal, ogr, osr

from .atomic import replacing
from .gpkg_rtree import pack_rtree
from .wkb_arrays import envelopes
from .sql_text import sql_identifier
from .xml_text import xml_escape

gdal.UseExceptions()
ogr.UseExceptions()

_OGR_TYPES = {"str": ogr.OFTString, "real": ogr.OFTReal, "int": ogr.OFTInteger64}
_GPKG_HEADER = struct.Struct("<2sBBi4d")  # magic, version, flags (LE, xy envelope), srs id, env
_MULTI_OF_ONE = b"\x01" + struct.pack("<II", 6, 1)


class GeoPackageBuilder:
    """Collects layers and tables for one new GeoPackage; ``finish`` writes the rows."""

    def __init__(self, path):
        self.path = path
        self.ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        self._pending = []

    def write_layer(self, name, crs_wkt, fields, rows, geoms, source_fields=(), source_rows=None):
        """One MultiPolygon layer.

        ``geoms`` are WKB bytes or shapely geometries (None for none); ``fields`` are
        (name, type, alias) for ``rows`` (dicts, or tuples in that order); ``source_fields`` are
        OGR field definitions copied from an input layer, with values in ``source_rows`` (lists,
        same order). The rows are read when ``finish`` writes them: they must not change before.
        """
        names = self._create_layer(name, crs_wkt, fields, source_fields)
        convert = [_converter(fd.GetType()) for fd in source_fields]
        keys = [f[0] for f in fields]

        def values():
            # tuples row by row as they are inserted: a county's rows are never held twice; a
            # row is a dict, or a tuple already in ``fields`` order (passed on as it is)
            if source_rows is None:
                for row in rows:
                    yield row if isinstance(row, tuple) else tuple([row.get(f) for f in keys])
                return
            for k, row in enumerate(rows):
                yield (*[c(v) for c, v in zip(convert, source_rows[k])],
                       *(row if isinstance(row, tuple) else [row.get(f) for f in keys]))
        wkbs = [g if isinstance(g, (bytes, type(None))) else g.wkb for g in geoms]
        self._pending.append(lambda con: _insert(con, name, names, values, wkbs))

    def write_staged_layer(self, staged, crs_wkt):
        """A layer from ``gpkg_staging.stage_layer``: copied from the file a worker wrote, or
        written from its rows as ``write_layer`` writes them where no worker took it."""
        names = self._create_layer(staged.name, crs_wkt, staged.fields)

        def in_place(con):
            _fill(con, staged.name, names, staged.table.rows, staged.table.wkbs())
        self._pending.append(lambda con: _inserted(con, staged.name,
                                                   lambda: staged.merge(con, in_place)))

    def _create_layer(self, name, crs_wkt, fields, source_fields=()):
        """The layer's table, its fields and R-tree made by GDAL; the names of its columns as
        the table holds them (a driver may adjust a name it is given)."""
        srs = osr.SpatialReference()
        srs.ImportFromWkt(crs_wkt)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        lyr = self.ds.CreateLayer(name, srs, ogr.wkbMultiPolygon,
                                  options=["GEOMETRY_NAME=geom", "FID=fid"])
        for fd in source_fields:
            lyr.CreateField(fd)
        for fname, ftype, alias in fields:
            fd = ogr.FieldDefn(fname, _OGR_TYPES[ftype])
            if alias and hasattr(fd, "SetAlternativeName"):
                fd.SetAlternativeName(alias)
            lyr.CreateField(fd)
        defn = lyr.GetLayerDefn()
        return [defn.GetFieldDefn(k).GetName() for k in range(defn.GetFieldCount())]

    def write_table(self, name, columns, rows):
        """A plain attribute table of text columns (run information, notes)."""
        lyr = self.ds.CreateLayer(name, None, ogr.wkbNone)
        for c in columns:
            lyr.CreateField(ogr.FieldDefn(c, ogr.OFTString))
        texts = [tuple(None if v is None else str(v) for v in r) for r in rows]
        self._pending.append(lambda con: _insert(con, name, list(columns), lambda: iter(texts),
                                                 None))

    def write_default_style(self, layer_name, aliases, description="Land Supervision"):
        """Store a QGIS default style (field aliases) in the ``layer_styles`` table.

        QGIS applies it whenever the layer is added. GDAL < 3.7 does not write field alternative
        names to GeoPackage, so this is how the Chinese aliases reach QGIS on every version.
        """
        entries = "".join(f'<alias field="{xml_escape(f)}" index="{i}" name="{xml_escape(a)}"/>'
                          for i, (f, a) in enumerate(aliases) if a)
        qml = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
               f'<qgis version="3.22.0" styleCategories="Fields"><aliases>{entries}</aliases></qgis>')
        lyr = self.ds.GetLayerByName("layer_styles")
        if lyr is None:
            lyr = self.ds.CreateLayer("layer_styles", None, ogr.wkbNone)
            for name, ftype in (("f_table_catalog", ogr.OFTString),
                                ("f_table_schema", ogr.OFTString),
                                ("f_table_name", ogr.OFTString),
                                ("f_geometry_column", ogr.OFTString),
                                ("styleName", ogr.OFTString), ("styleQML", ogr.OFTString),
                                ("styleSLD", ogr.OFTString), ("useAsDefault", ogr.OFTInteger),
                                ("description", ogr.OFTString), ("owner", ogr.OFTString),
                                ("ui", ogr.OFTString), ("update_time", ogr.OFTDateTime)):
                fd = ogr.FieldDefn(name, ftype)
                if name == "useAsDefault":
                    fd.SetSubType(ogr.OFSTBoolean)
                lyr.CreateField(fd)
        feat = ogr.Feature(lyr.GetLayerDefn())
        for k, v in (("f_table_catalog", ""), ("f_table_schema", ""),
                     ("f_table_name", layer_name), ("f_geometry_column", "geom"),
                     ("styleName", layer_name), ("styleQML", qml), ("styleSLD", ""),
                     ("useAsDefault", 1), ("description", description), ("owner", ""),
                     ("ui", "")):
            feat.SetField(k, v)
        lyr.CreateFeature(feat)

    def finish(self):
        self.ds.FlushCache()
        self.ds = None
        con = sqlite3.connect(self.path)
        try:
            # a new file under a temporary name, renamed only when whole: no journal to keep
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            for insert in self._pending:
                insert(con)
            con.commit()
        finally:
            con.close()

    def abandon(self):
        self.ds = None


def _insert(con, table, columns, values, wkbs):
    _inserted(con, table, lambda: _fill(con, table, columns, values, wkbs))


def _fill(con, table, columns, values, wkbs):
    """Insert ``values()`` (and, where ``wkbs`` is not None, the geometries, the packed R-tree
    and the extent) into a table whose GDAL triggers are off."""
    name = sql_identifier(table)
    if wkbs is None:
        con.executemany(f"INSERT INTO {name} ({', '.join(sql_identifier(c) for c in columns)}) "
                        f"VALUES ({', '.join('?' for _ in columns)})", values())
        return
    srs_id, geom = con.execute("SELECT srs_id, column_name FROM gpkg_geometry_columns "
                               "WHERE table_name = ?", (table,)).fetchone()
    rtree = f"rtree_{table}_{geom}"  # GDAL's name for the layer's R-tree table
    env = envelopes(wkbs)
    blobs = _gpkg_blobs(wkbs, srs_id, env)
    more = "".join(f", {sql_identifier(c)}" for c in columns)  # a layer may have no field
    con.executemany(f"INSERT INTO {name} (fid, {sql_identifier(geom)}{more}) "
                    f"VALUES (?, ?{', ?' * len(columns)})",
                    ((k, b) + v for k, (b, v) in enumerate(zip(blobs, values()), 1)))
    ok = ~np.isnan(env).any(axis=1)
    fids = np.flatnonzero(ok) + 1
    if not pack_rtree(con, rtree, fids, env[ok]):
        con.executemany(f"INSERT INTO {sql_identifier(rtree)} VALUES (?, ?, ?, ?, ?)",
                        np.column_stack([fids.astype(float), env[ok][:, [0, 2, 1, 3]]]).tolist())
    if ok.any():
        e = env[ok]
        con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? "
                    "WHERE table_name = ?", (float(e[:, 0].min()), float(e[:, 1].min()),
                                              float(e[:, 2].max()), float(e[:, 3].max()), table))


def _inserted(con, table, fill):
    """``fill()`` a layer's rows (and R-tree) with GDAL's triggers on the table off, then set
    its feature count once, as GDAL does after a bulk load: the R-tree triggers call SQL
    functions only GDAL registers (the R-tree is filled from the rows' own envelopes), and the
    feature-count ones update ``gpkg_ogr_contents`` once per row (0.5 s of SQLite's 1.3 s on a
    county's 240,000 parcel hits)."""
    known = (f"trigger_insert_feature_count_{table}", f"trigger_delete_feature_count_{table}")
    triggers = [(name, sql) for name, sql in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))
        if name.startswith(f"rtree_{table}_") or name in known]
    for trig, _ in triggers:
        con.execute(f"DROP TRIGGER {sql_identifier(trig)}")
    fill()
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM "
                    f"{sql_identifier(table)}) WHERE lower(table_name) = lower(?)", (table,))
    for _, sql in triggers:
        con.execute(sql)


def _gpkg_blobs(wkbs, srs_id, env):
    """GeoPackage geometry blobs: the headers (with envelopes) packed for all rows at once."""
    n = len(wkbs)
    header = np.zeros(n, dtype=[("magic", "S2"), ("version", "u1"), ("flags", "u1"),
                                ("srs", "<i4"), ("env", "<f8", 4)])
    header["magic"], header["flags"], header["srs"] = b"GP", 0x03, srs_id
    header["env"] = env[:, [0, 2, 1, 3]]
    raw = header.tobytes()
    size = _GPKG_HEADER.size
    # made one at a time as the insert takes them
    return (None if w is None else raw[k * size:(k + 1) * size] + _multipolygon(w)
            for k, w in enumerate(wkbs))


def _multipolygon(wkb):
    """Little-endian MultiPolygon WKB (the column's type) of a Polygon or MultiPolygon WKB."""
    kind = wkb[1:5]
    if wkb[0] == 1 and kind == b"\x03\x00\x00\x00":
        return _MULTI_OF_ONE + wkb
    if wkb[0] == 1 and kind == b"\x06\x00\x00\x00":
        return wkb
    return bytes(ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkb(wkb)).ExportToIsoWkb())


def _converter(ogr_type):
    """Values read with OGR's GetField, as GeoPackage stores them."""
    if ogr_type == ogr.OFTDate:
        return lambda v: v.replace("/", "-") if isinstance(v, str) else v
    if ogr_type == ogr.OFTDateTime:
        return lambda v: v.replace("/", "-").replace(" ", "T", 1) if isinstance(v, str) else v
    if ogr_type == ogr.OFTBinary:
        return lambda v: bytes.fromhex(v) if isinstance(v, str) else v
    if ogr_type in (ogr.OFTStringList, ogr.OFTIntegerList, ogr.OFTRealList, ogr.OFTInteger64List):
        return lambda v: None if v is None else "(" + str(len(v)) + ":" + ",".join(map(str, v)) + ")"
    return lambda v: v


@contextmanager
def atomic_geopackage(path):
    """Yield a GeoPackageBuilder; the file replaces ``path`` only if the block succeeds."""
    with replacing(path, ".gpkg") as tmp:
        os.unlink(tmp)  # GDAL creates the GeoPackage itself
        builder = GeoPackageBuilder(tmp)
        try:
            yield builder
            builder.finish()
        except BaseException:
            builder.abandon()
            raise


