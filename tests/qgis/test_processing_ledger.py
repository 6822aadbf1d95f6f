"""导出整改台账 and 导入核查结果 through Processing, checked against the ledger core."""

import hashlib
import sqlite3
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from osgeo import ogr, osr
from qgis.core import QgsProcessingException, QgsProject, QgsVectorLayer

from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict
from plugin.core.ledger.export import export_ledger
from plugin.processing.provider import PROVIDER_ID

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from ledger_sheet import data_rows, headers, sheet_records  # noqa: E402

EXPORT = f"{PROVIDER_ID}:exportledger"
IMPORT = f"{PROVIDER_ID}:importledger"
X0, Y0 = 41_500_000.0, 3_400_000.0


def _write(path, name, field, rows):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer(name, srs, ogr.wkbPolygon)
    for f in field:
        layer.CreateField(ogr.FieldDefn(f, ogr.OFTString))
    for values, (x, y, size) in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        for f, v in zip(field, values):
            feature.SetField(f, v)
        x0, y0 = X0 + x, Y0 + y
        feature.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON (({x0} {y0}, {x0 + size} {y0}, {x0 + size} {y0 + size}, "
            f"{x0} {y0 + size}, {x0} {y0}))"))
        layer.CreateFeature(feature)
    ds = None
    return str(path)


@pytest.fixture()
def result(tmp_path):
    """A result GeoPackage with patches judged illegal, to verify and legal."""
    patches = _write(tmp_path / "jctb.gpkg", "JCTB", ["JCBH", "QDLBM", "HDLBM"], [
        (["JC001", "0101", "0702"], (0, 0, 100)),
        (["JC002", "0101", "0601"], (200, 0, 100)),
        (["JC003", "0103", "0201"], (400, 0, 80)),
        (["JC004", "0702", "0601"], (1000, 0, 50)),
    ])
    farmland = _write(tmp_path / "dltb.gpkg", "DLTB", ["DLBM"], [(["0101"], (-50, -50, 700))])
    admin = _write(tmp_path / "xzq.gpkg", "XZQ", ["XZMC", "XZQMC"],
                   [(["甲镇", "一村"], (-100, -100, 2000))])
    job = job_from_dict({
        "patches": {"path": patches, "layer": "JCTB", "id_field": "JCBH",
                    "before_field": "QDLBM", "after_field": "HDLBM"},
        "baselines": {"farmland": {"path": farmland, "layer": "DLTB"}},
        "admin": {"path": admin, "layer": "XZQ", "township_field": "XZMC",
                  "village_field": "XZQMC"},
    }, str(tmp_path))
    return run_analysis(job, str(tmp_path / "out"), job_workers=1).result_path


def _sheet_rows(path, sheet="整改台账"):
    workbook = load_workbook(path, read_only=True)
    rows = [list(row) for row in workbook[sheet].iter_rows(values_only=True)]
    workbook.close()
    return rows


def _run(algorithm_id, params):
    from qgis import processing

    return processing.run(algorithm_id, params)


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _fill(ledger, header, values_by_patch):
    """Fill one column of the ledger's detail sheet as an analyst would: {patch id: value}."""
    workbook = load_workbook(ledger)
    sheet = workbook["整改台账"]
    names = headers(sheet)
    id_column, column = names["图斑编号"], names[header]
    for row in data_rows(sheet):
        patch_id = sheet.cell(row, id_column).value
        if patch_id in values_by_patch:
            sheet.cell(row, column).value = values_by_patch[patch_id]
    workbook.save(ledger)


def _ledger_values(result, field):
    with sqlite3.connect(result) as db:
        return dict(db.execute(f'SELECT patch_id, "{field}" FROM patches'))


def test_export_writes_the_ledger_the_core_writes(qgis_processing, loaded_plugin, result,
                                                  tmp_path):
    expected = export_ledger(result, str(tmp_path / "core.xlsx"))

    outputs = _run(EXPORT, {"RESULT": result, "OUTPUT": str(tmp_path / "台账.xlsx")})

    assert outputs["OUTPUT"] == str(tmp_path / "台账.xlsx")
    assert outputs["ROWS"] == expected.rows > 0
    assert _sheet_rows(outputs["OUTPUT"]) == _sheet_rows(expected.path)
    assert _sheet_rows(outputs["OUTPUT"], "汇总") == _sheet_rows(expected.path, "汇总")


def test_export_lists_every_patch_on_request(qgis_processing, loaded_plugin, result, tmp_path):
    outputs = _run(EXPORT, {"RESULT": result, "INCLUDE_ALL": True,
                            "OUTPUT": str(tmp_path / "all.xlsx")})

    assert outputs["ROWS"] == 4


def test_export_again_keeps_a_backup_and_the_filled_in_values(qgis_processing, loaded_plugin,
                                                              result, tmp_path):
    ledger = str(tmp_path / "台账.xlsx")
    _run(EXPORT, {"RESULT": result, "OUTPUT": ledger})
    _fill(ledger, "责任单位", {"JC001": "甲镇人民政府"})

    _run(EXPORT, {"RESULT": result, "OUTPUT": ledger})

    assert (tmp_path / "台账.bak.xlsx").exists()
    rows = sheet_records(ledger)
    assert [r["责任单位"] for r in rows if r["图斑编号"] == "JC001"] == ["甲镇人民政府"]


def test_import_writes_the_analysts_columns_into_the_result(qgis_processing, loaded_plugin,
                                                            result, tmp_path):
    ledger = str(tmp_path / "台账.xlsx")
    _run(EXPORT, {"RESULT": result, "OUTPUT": ledger})
    _fill(ledger, "核查结果", {"JC001": "属实"})
    _fill(ledger, "整改进展", {"JC001": "整改中"})
    ledger_sha = _sha(ledger)

    outputs = _run(IMPORT, {"LEDGER": ledger, "RESULT": result})

    assert outputs["OUTPUT"] == result
    assert outputs["CHANGED"] == 1 and outputs["ERRORS"] == 0
    assert _ledger_values(result, "ledger_check_result")["JC001"] == "属实"
    assert _ledger_values(result, "ledger_status")["JC001"] == "整改中"
    assert _sha(ledger) == ledger_sha  # the ledger is only read


def test_import_with_errors_writes_nothing_unless_forced(qgis_processing, english_locale,
                                                         loaded_plugin, result, tmp_path):
    ledger = str(tmp_path / "台账.xlsx")
    _run(EXPORT, {"RESULT": result, "OUTPUT": ledger})
    _fill(ledger, "核查结果", {"JC001": "属实", "JC002": "大概属实"})
    before = _sha(result)

    with pytest.raises(QgsProcessingException, match="1 errors"):
        _run(IMPORT, {"LEDGER": ledger, "RESULT": result})
    assert _sha(result) == before

    outputs = _run(IMPORT, {"LEDGER": ledger, "RESULT": result, "FORCE": True})

    assert outputs["ERRORS"] == 1
    assert _ledger_values(result, "ledger_check_result")["JC001"] == "属实"


def test_import_reloads_the_result_layer_open_in_the_project(qgis_processing, qgis_new_project,
                                                             loaded_plugin, result, tmp_path):
    ledger = str(tmp_path / "台账.xlsx")
    _run(EXPORT, {"RESULT": result, "OUTPUT": ledger})
    _fill(ledger, "备注", {"JC002": "已立案"})
    layer = QgsVectorLayer(f"{result}|layername=patches", "结果", "ogr")
    QgsProject.instance().addMapLayer(layer)

    _run(IMPORT, {"LEDGER": ledger, "RESULT": result})

    remarks = {f["patch_id"]: f["ledger_remark"] for f in layer.getFeatures()}
    assert remarks["JC002"] == "已立案"


def test_a_missing_result_is_named_in_the_error(qgis_processing, loaded_plugin, tmp_path):
    missing = tmp_path / "nowhere.gpkg"

    with pytest.raises(QgsProcessingException, match="nowhere.gpkg"):
        _run(EXPORT, {"RESULT": str(missing), "OUTPUT": str(tmp_path / "x.xlsx")})


def test_export_adds_thumbnail_columns_for_the_images_given(qgis_processing, loaded_plugin, result,
                                                             tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    image = str(tmp_path / "after.tif")
    with rasterio.open(image, "w", driver="GTiff", width=300, height=200, count=3, dtype="uint8",
                       crs="EPSG:4529", transform=from_origin(X0 - 200, Y0 + 300, 5, 5)) as dst:
        dst.write(np.full((3, 200, 300), 90, dtype="uint8"))

    outputs = _run(EXPORT, {"RESULT": result, "AFTER": image, "OUTPUT": str(tmp_path / "台账.xlsx")})

    sheet = load_workbook(outputs["OUTPUT"])["整改台账"]
    assert list(headers(sheet))[-1] == "后时相影像"
    assert len(sheet._images) == outputs["ROWS"] > 0


def test_import_takes_the_field_teams_geopackage_too(qgis_processing, loaded_plugin, result,
                                                    tmp_path):
    from plugin.core.fieldwork.pack import prepare_fieldpack

    gpkg = prepare_fieldpack(result, str(tmp_path / "pack")).gpkg
    ds = ogr.Open(gpkg, update=1)
    layer = ds.GetLayerByName("核查图斑")
    layer.SetAttributeFilter("\"图斑编号\" = 'JC001'")
    feature = next(iter(layer))
    feature.SetField("核查结果", "属实")
    feature.SetField("现场现状", "在建")
    layer.SetFeature(feature)
    ds = None

    outputs = _run(IMPORT, {"LEDGER": gpkg, "RESULT": result})

    assert outputs["CHANGED"] == 1 and outputs["ERRORS"] == 0
    assert _ledger_values(result, "ledger_check_result")["JC001"] == "属实"
    assert _ledger_values(result, "ledger_site_state")["JC001"] == "在建"


def test_export_takes_a_template_and_the_title_values(qgis_processing, loaded_plugin, result,
                                                      tmp_path):
    template = tmp_path / "省模板.yaml"
    template.write_text(
        "title: '{county}{batch}问题图斑整改台账'\n"
        "subtitle: '填报单位：{unit}'\n"
        "groups:\n"
        "  - {group: 图斑, repeat: true, columns: [seq, patch_id, verdict]}\n"
        "  - {group: 整改, columns: [{status: 整改情况}, remark]}\n", encoding="utf-8")

    outputs = _run(EXPORT, {"RESULT": result, "TEMPLATE": str(template), "COUNTY": "甲县",
                            "BATCH": "第一批", "UNIT": "甲县自然资源局",
                            "OUTPUT": str(tmp_path / "台账.xlsx")})

    sheet = load_workbook(outputs["OUTPUT"])["整改台账"]
    assert list(headers(sheet)) == ["序号", "图斑编号", "判定结果", "整改情况", "备注"]
    assert (sheet["A1"].value, sheet["A2"].value) == ("甲县第一批问题图斑整改台账", "填报单位：甲县自然资源局")


def test_export_names_a_bad_template_in_the_error(qgis_processing, loaded_plugin, result,
                                                  tmp_path):
    template = tmp_path / "坏模板.yaml"
    template.write_text("groups: [{group: 图斑, columns: [no_such_column]}]\n", encoding="utf-8")

    with pytest.raises(QgsProcessingException, match="坏模板.yaml"):
        _run(EXPORT, {"RESULT": result, "TEMPLATE": str(template),
                      "OUTPUT": str(tmp_path / "台账.xlsx")})
    assert not (tmp_path / "台账.xlsx").exists()
