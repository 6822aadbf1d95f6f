"""The small test county the workspace tests drive the dock on, and helpers to drive it.

Two townships, four 40 m patches and a small one, on a parcel layer (DLTB) whose farmland the
dock filters by DLBM, with basic farmland under one patch and an approval over another. The
expected verdicts follow from the default rule set by hand:

    patch  class change   lies on                         verdict   type
    JC001  0103 → 0702    basic farmland (and farmland)    违法      占用永久基本农田建设 (5)
    JC002  0103 → 0601    farmland                         违法      占用耕地建设 (4)
    JC003  0103 → 0601    farmland, approved               合法
    JC004  0103 → 0201    farmland                         需核实    耕地流出 (2)
    JC005  0103 → 0601    farmland, 100 m²                 低于上图面积 (construction minimum 200 m²)
"""

from osgeo import ogr, osr
from qgis.core import QgsProject, QgsVectorLayer

EPSG = 4529  # CGCS2000 3-degree GK zone 41, zone prefixed to X
X0, Y0 = 41_500_000.0, 3_400_000.0
PATCH_SIDE = 40.0
MU_PER_M2 = 0.0015
SURVEY_NAMES = {"patches": "JCTB", "farmland": "DLTB", "basic_farmland": "YJJBNTTB",
                "approved": "PZYD", "admin": "CJXZQ"}

PATCHES = [  # id, x, y, side, before, after
    ("JC001", 0, 0, PATCH_SIDE, "0103", "0702"),
    ("JC002", 100, 0, PATCH_SIDE, "0103", "0601"),
    ("JC003", 200, 0, PATCH_SIDE, "0103", "0601"),
    ("JC004", 300, 0, PATCH_SIDE, "0103", "0201"),
    ("JC005", 300, 100, 10.0, "0103", "0601"),
]


def square(x, y, size):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for dx, dy in ((0, 0), (size, 0), (size, size), (0, size), (0, 0)):
        ring.AddPoint_2D(X0 + x + dx, Y0 + y + dy)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return polygon


def write_layer(path, layer_name, fields, features, epsg=EPSG, encoding=None):
    """A polygon layer with text fields (GeoPackage, or a shapefile for a .shp path):
    features are (geometry, {field: value}). ``encoding`` writes a shapefile's DBF in it."""
    srs = None
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
    driver = "ESRI Shapefile" if str(path).endswith(".shp") else "GPKG"
    ds = ogr.GetDriverByName(driver).CreateDataSource(str(path))
    options = [f"ENCODING={encoding}"] if encoding else []
    layer = ds.CreateLayer(layer_name, srs, ogr.wkbPolygon, options=options)
    for name in fields:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for geometry, values in features:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, value in values.items():
            feature.SetField(name, value)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    ds = None
    return str(path)


def patch_features(id_field="JCBH", before_field="QDLBM", after_field="HDLBM"):
    return [(square(x, y, side), {id_field: pid, before_field: before, after_field: after})
            for pid, x, y, side, before, after in PATCHES]


def build_county(data):
    """The county's files under ``data``: {role: path}."""
    data.mkdir(exist_ok=True)
    return {
        "patches": write_layer(data / "jctb.gpkg", "JCTB", ["JCBH", "QDLBM", "HDLBM"],
                               patch_features()),
        # Farmland under every patch; a village plot (0702) beside it that the filter drops.
        "farmland": write_layer(data / "dltb.gpkg", "DLTB", ["DLBM"], [
            (square(-50, -50, 450), {"DLBM": "0103"}),
            (square(-50, 400, 200), {"DLBM": "0702"}),
        ]),
        "basic_farmland": write_layer(data / "yjjbnttb.gpkg", "YJJBNTTB", ["BSM"], [
            (square(-5, -5, 50), {"BSM": "1"}),
        ]),
        "approved": write_layer(data / "pzyd.gpkg", "PZYD", ["PZWH"], [
            (square(195, -5, 50), {"PZWH": "示批〔2024〕7号"}),
        ]),
        "admin": write_layer(data / "xzq.gpkg", "CJXZQ", ["XZMC", "XZQMC"], [
            (square(-100, -100, 250), {"XZMC": "甲镇", "XZQMC": "东村"}),
            (square(150, -100, 350), {"XZMC": "乙镇", "XZQMC": "西村"}),
        ]),
    }


def add_layer(path, name):
    layer = QgsVectorLayer(path, name, "ogr")
    assert layer.isValid(), path
    QgsProject.instance().addMapLayer(layer)
    return layer


def run_dock(dock, qtbot, timeout=60000):
    """Start the analysis as the run button does and wait for it; the task."""
    assert dock.run()
    task = dock.task
    qtbot.waitUntil(lambda: dock.task is None, timeout=timeout)
    return task


def bar_messages(bar):
    return [(item.level(), item.text()) for item in bar.items()]


def visible_ids(dock):
    return [row.patch_id for row in dock.results_panel.visible_rows()]


def wait_for_rows(dock, qtbot, timeout=20000):
    """Wait until the results table has read its rows (restored projects read them in a task)."""
    qtbot.waitUntil(lambda: dock.rows_task is None and dock.results_panel.has_result,
                    timeout=timeout)
