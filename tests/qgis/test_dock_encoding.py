"""GBK shapefiles without a .cpg (or with one saying UTF-8), as counties deliver them: QGIS
shows them garbled; the workspace and Processing read them as the command line does."""

import json
import os
import subprocess
import sys

import pytest
from qgis.core import QgsProject, QgsVectorLayer

from dock_county import EPSG, PATCHES, add_layer, build_county, patch_features, run_dock, square
from plugin.gui import checks

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GBK_FIELDS = ("监测编号", "前地类", "后地类")


#: Writes a GBK shapefile in its own process, as another program would: a shapefile GDAL wrote
#: in this process is read back differently by QGIS here than by QGIS desktop.
GBK_WRITER = """
import json, sys
from osgeo import ogr, osr
path, epsg, fields, rows, cpg = json.loads(sys.argv[1])
srs = osr.SpatialReference()
srs.ImportFromEPSG(epsg)
ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
layer = ds.CreateLayer("t", srs, ogr.wkbPolygon, options=["ENCODING=GBK"])
for n in range(len(fields)):
    layer.CreateField(ogr.FieldDefn(f"F{n}", ogr.OFTString))
for wkt, values in rows:
    feature = ogr.Feature(layer.GetLayerDefn())
    for n, value in enumerate(values):
        feature.SetField(n, value)
    feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
    layer.CreateFeature(feature)
ds = None
# GDAL cuts a field name to 10 bytes of UTF-8 before encoding it (监测编号 would lose its last
# character): the names go into the DBF header as GBK bytes, the way other software writes them.
with open(path[:-4] + ".dbf", "r+b") as f:
    for n, name in enumerate(fields):
        f.seek(32 + 32 * n)
        f.write(name.encode("gbk").ljust(11, b"\\0"))
if cpg is None:
    import os
    os.remove(path[:-4] + ".cpg")
else:
    open(path[:-4] + ".cpg", "w").write(cpg)
"""


def gbk_shapefile(path, fields, features, cpg=None):
    """A shapefile whose DBF is GBK (field names and values), with no .cpg or the given one."""
    rows = [(geometry.ExportToWkt(), [values.get(f) for f in fields])
            for geometry, values in features]
    subprocess.run([sys.executable, "-c", GBK_WRITER,
                    json.dumps([str(path), EPSG, list(fields), rows, cpg])], check=True)
    return str(path)


@pytest.fixture()
def gbk_county(tmp_path):
    """The test county with its patches and administrative units as GBK shapefiles."""
    files = build_county(tmp_path / "data")
    files["patches"] = gbk_shapefile(str(tmp_path / "data" / "监测图斑.shp"), GBK_FIELDS,
                                     patch_features(*GBK_FIELDS))
    files["admin"] = gbk_shapefile(str(tmp_path / "data" / "xzq.shp"), ("乡镇名称", "村名称"), [
        (square(-100, -100, 250), {"乡镇名称": "甲镇", "村名称": "东村"}),
        (square(150, -100, 350), {"乡镇名称": "乙镇", "村名称": "西村"}),
    ])
    return files


def cli_verdicts(files, tmp_path):
    """{patch id: (verdict, type, township)} from the command line on the same files."""
    job = {"patches": {"path": files["patches"], "id_field": "监测编号", "before_field": "前地类",
                       "after_field": "后地类"},
           "baselines": {"farmland": {"path": files["farmland"], "where": {"DLBM": ["01*"]}},
                         "basic_farmland": {"path": files["basic_farmland"]}},
           "exemptions": {"approved": {"path": files["approved"], "id_field": "PZWH"}},
           "admin": {"path": files["admin"], "township_field": "乡镇名称",
                     "village_field": "村名称"}}
    path = tmp_path / "job.yaml"
    path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "plugin.cli", "analyse", str(path), "--out", str(out),
                    "-q"], cwd=REPO, check=True, capture_output=True)
    return result_verdicts(str(out / "result.gpkg"))


def result_verdicts(path):
    layer = QgsVectorLayer(f"{path}|layername=patches", "r", "ogr")
    return {f["patch_id"]: (f["verdict"], f["violation_type"], f["township"])
            for f in layer.getFeatures()}


def test_qgis_alone_shows_the_gbk_shapefile_garbled(gbk_county):
    layer = QgsVectorLayer(gbk_county["patches"], "监测图斑", "ogr")
    assert "监测编号" not in layer.fields().names()


def test_a_gbk_layer_chosen_in_the_dock_gives_the_command_lines_verdicts(dock, gbk_county,
                                                                         qtbot, tmp_path):
    for role, path in gbk_county.items():
        add_layer(path, os.path.splitext(os.path.basename(path))[0]
                  if role != "farmland" else "DLTB")
    dock.recognise_layers()
    patches = dock.data_page.role_rows["patches"]

    assert patches.layer().fields().names() == list(GBK_FIELDS)  # read as GBK now
    assert patches.choice().fields == {"id_field": "监测编号", "before_field": "前地类",
                                       "after_field": "后地类"}
    assert patches.encoding_label.text() == "无 .cpg 编码说明: read as GB18030."
    assert dock.data_page.role_rows["admin"].layer().getFeature(0)["乡镇名称"] == "甲镇"
    assert dock.check_data()
    task = run_dock(dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    ours = result_verdicts(dock.state.result_path)
    assert ours == cli_verdicts(gbk_county, tmp_path)
    assert sorted(ours) == sorted(p[0] for p in PATCHES)
    assert ours["JC001"] == ("违法", "占用永久基本农田建设", "甲镇")


def test_the_checks_say_which_layer_was_read_in_another_encoding(dock, gbk_county):
    layer = add_layer(gbk_county["patches"], "监测图斑")
    dock.data_page.role_rows["patches"].set_layer(layer)

    problems = checks.check_job(dock.current_state(), QgsProject.instance())

    assert [p.text for p in problems if p.level == checks.INFO] == [
        "Monitoring patches (layer 监测图斑): 无 .cpg 编码说明; it is read as "
        "GB18030."]


def test_a_garbled_layer_restored_from_a_project_is_fixed_by_check_data(dock, gbk_county):
    layer = add_layer(gbk_county["patches"], "监测图斑")
    row = dock.data_page.role_rows["patches"]
    row.set_layer(layer)
    layer.setProviderEncoding("UTF-8")  # as an older project would have kept it
    assert checks.ERROR in {p.level for p in checks.check_job(dock.current_state(),
                                                                QgsProject.instance())}

    dock.check_data()

    assert layer.dataProvider().encoding() == "GB18030"
    assert row.choice().fields["after_field"] == "后地类"


def test_a_cpg_saying_utf8_over_gbk_text_is_corrected(dock, tmp_path):
    path = gbk_shapefile(str(tmp_path / "jctb.shp"), GBK_FIELDS, patch_features(*GBK_FIELDS),
                         cpg="UTF-8")
    layer = add_layer(path, "JCTB")
    assert "监测编号" not in layer.fields().names()

    dock.data_page.role_rows["patches"].set_layer(layer)

    assert layer.fields().names() == list(GBK_FIELDS)


def test_processing_reads_a_garbled_shapefile_as_the_command_line_does(
        qgis_processing, loaded_plugin, gbk_county, tmp_path):
    from qgis import processing

    layers = {role: add_layer(path, role) for role, path in gbk_county.items()}
    garbled = layers["patches"].fields().names()  # what the dialog's field pickers offer
    admin = layers["admin"].fields().names()
    gpkg = str(tmp_path / "layers.gpkg")

    processing.run("landsupervision:analyselayers", {
        "PATCHES": layers["patches"], "PATCH_ID_FIELD": garbled[0],
        "BEFORE_FIELD": garbled[1], "AFTER_FIELD": garbled[2],
        "FARMLAND": layers["farmland"], "FARMLAND_CLASS_FIELD": "DLBM",
        "FARMLAND_CLASSES": "01*", "BASIC_FARMLAND": layers["basic_farmland"],
        "APPROVED": layers["approved"], "APPROVED_ID_FIELD": "PZWH",
        "ADMIN": layers["admin"], "TOWNSHIP_FIELD": admin[0], "VILLAGE_FIELD": admin[1],
        "OUTPUT": "TEMPORARY_OUTPUT", "RESULT_GPKG": gpkg})

    assert result_verdicts(gpkg) == cli_verdicts(gbk_county, tmp_path)
    assert layers["patches"].dataProvider().encoding() == "UTF-8"  # the user's layer unchanged
