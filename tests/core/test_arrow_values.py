"""Attribute cells from GDAL's Arrow stream become the values OGR's GetField would give, read
column by column: numbers, text (bytes decoded), dates as 2023/05/01, None where masked; and
the field types whose Arrow cells GDAL gets wrong are read feature by feature instead."""

import datetime

import numpy as np
from osgeo import gdal, ogr, osr

from plugin.core.io.layers import _arrow_values


def test_each_kind_of_column_with_and_without_masked_cells():
    ints = np.ma.masked_array(np.array([3, 0, 7], dtype=np.int64), mask=[False, True, False])
    assert _arrow_values(ints) == [3, None, 7]
    assert [type(v) for v in _arrow_values(ints) if v is not None] == [int, int]
    reals = np.array([0.5, 2.0, -1.25])
    assert _arrow_values(reals) == [0.5, 2.0, -1.25]
    assert all(type(v) is float for v in _arrow_values(reals))
    text = np.ma.masked_array(np.array(["耕地".encode(), b"", b"\xff0101"], dtype=object),
                              mask=[False, False, True])
    assert _arrow_values(text) == ["耕地", "", None]
    bad = np.array([b"\xff0101"], dtype=object)
    assert _arrow_values(bad) == ["\ufffd0101"]
    days = np.ma.masked_array(np.array(["2023-05-01", "NaT", "2024-12-31T10:00", "0999-02-03"],
                                       dtype="datetime64[ms]"), mask=[False, False, False, False])
    assert _arrow_values(days) == ["2023/05/01", None, "2024/12/31", "0999/02/03"]
    # whatever lies under a masked cell (Arrow leaves it undefined) never fails the column
    odd = np.ma.masked_array(np.array([19000, 2 ** 31 - 1], "int32").astype("datetime64[D]"),
                             mask=[False, True])
    assert _arrow_values(odd) == ["2022/01/08", None]
    flags = np.array([True, False])
    assert _arrow_values(flags) == [True, False]
    mixed = np.array([np.int32(4), np.datetime64("2020-01-02"), "x", None], dtype=object)
    assert _arrow_values(mixed) == [4, "2020/01/02", "x", None]



def test_a_repeated_text_is_one_object_across_batches(monkeypatch):
    """A class code repeated over a county's parcels is decoded once and shared, batch after
    batch; a column of unique texts stops being kept past the cap, its values unchanged."""
    from plugin.core.io import layers
    memo = {}
    first = _arrow_values(np.array([b"0101", "耕地".encode(), b"0101"], dtype=object), memo)
    second = _arrow_values(np.array([b"0101", "耕地".encode()], dtype=object), memo)
    assert first == ["0101", "耕地", "0101"] and second == ["0101", "耕地"]
    assert first[0] is first[2] is second[0] and first[1] is second[1]
    monkeypatch.setattr(layers, "MEMO_TEXTS", 2)
    memo = {}
    unique = [f"{k:04d}".encode() for k in range(5)]
    assert _arrow_values(np.array(unique + unique, dtype=object), memo) == \
        [b.decode() for b in unique + unique]
    assert len(memo) == 2
    memo = {}  # GDAL's own form: fixed-width bytes
    fixed = _arrow_values(np.array([b"0101", b"0102", b"0101"], dtype="S4"), memo)
    assert fixed == ["0101", "0102", "0101"] and fixed[0] is fixed[2]
    assert all(type(v) is str for v in fixed)

def test_a_geopackage_read_through_arrow_matches_getfield(tmp_path):
    path = str(tmp_path / "t.gpkg")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("t", srs, ogr.wkbPolygon)
    for name, kind in (("BSM", ogr.OFTString), ("KCXS", ogr.OFTReal), ("N", ogr.OFTInteger64),
                       ("D", ogr.OFTDate)):
        lyr.CreateField(ogr.FieldDefn(name, kind))
    values = [("耕地 1", 0.12, 5, "2023/05/01"), (None, None, None, None), ("x", 0.0, 0, None)]
    for k, row in enumerate(values):
        f = ogr.Feature(lyr.GetLayerDefn())
        for name, v in zip(("BSM", "KCXS", "N", "D"), row):
            if v is not None:
                f.SetField(name, v)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({k} 0,{k + 1} 0,{k + 1} 1,{k} 0))"))
        lyr.CreateFeature(f)
    ds = None
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    lyr = ds.GetLayer(0)
    expected = {n: [f.GetField(n) if f.IsFieldSetAndNotNull(n) else None for f in lyr]
                for n in ("BSM", "KCXS", "N", "D")}
    got = {n: [] for n in expected}
    for batch in lyr.GetArrowStreamAsNumPy(options=["USE_MASKED_ARRAYS=YES"]):
        for n in got:
            got[n].extend(_arrow_values(batch[n]))
    assert got == expected
    assert expected["D"][0] == datetime.date(2023, 5, 1).strftime("%Y/%m/%d")


def test_dates_booleans_and_float32_are_read_feature_by_feature(tmp_path, monkeypatch):
    from plugin.core.io import layers

    path = str(tmp_path / "kinds.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer("t", None, ogr.wkbPolygon)
    flag = ogr.FieldDefn("FLAG", ogr.OFTInteger)
    flag.SetSubType(ogr.OFSTBoolean)
    share = ogr.FieldDefn("SHARE", ogr.OFTReal)
    share.SetSubType(ogr.OFSTFloat32)
    for fd in (ogr.FieldDefn("BSM", ogr.OFTString), ogr.FieldDefn("ZZRQ", ogr.OFTDate), flag,
               share):
        lyr.CreateField(fd)
    for k, on in enumerate([True, False, False, True, True]):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("BSM", f"B{k}")
        f.SetField("ZZRQ", "2024/06/30")
        f.SetField("FLAG", int(on))
        f.SetField("SHARE", 0.1)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON(({k} 0,{k + 1} 0,{k + 1} 1,{k} 0))"))
        lyr.CreateFeature(f)
    ds = None
    used = []
    arrow = layers._read_arrow
    monkeypatch.setattr(layers, "_read_arrow", lambda *a: used.append("arrow") or arrow(*a))
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)  # held: its layer dies with it
    lyr = ds.GetLayer(0)
    assert layers.read_columns(lyr, ["BSM"])[2]["BSM"] == [f"B{k}" for k in range(5)]
    assert used == ["arrow"]
    for name, expected in (("ZZRQ", ["2024/06/30"] * 5), ("FLAG", [1, 0, 0, 1, 1]),
                           ("SHARE", [0.1] * 5)):
        used.clear()
        assert layers.read_columns(lyr, ["BSM", name])[2][name] == expected
        assert used == []
