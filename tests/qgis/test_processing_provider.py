"""The provider's algorithms as the Processing toolbox and the batch interface show them."""

import re

import pytest
from osgeo import ogr, osr
from qgis.core import QgsApplication, QgsProcessingParameterField, QgsProject

from plugin.processing.provider import PROVIDER_ID

LAYERS = f"{PROVIDER_ID}:analyselayers"
JOB = f"{PROVIDER_ID}:analyse"
EXPORT = f"{PROVIDER_ID}:exportledger"
IMPORT = f"{PROVIDER_ID}:importledger"
CJK = re.compile("[\u4e00-\u9fff]")


def _algorithm(algorithm_id):
    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    assert algorithm is not None, algorithm_id
    return algorithm


def test_analysis_and_ledger_algorithms_are_in_their_groups(loaded_plugin):
    groups = {algorithm_id: _algorithm(algorithm_id).groupId()
              for algorithm_id in (LAYERS, JOB, EXPORT, IMPORT)}

    assert groups == {LAYERS: "verification", JOB: "verification", EXPORT: "ledger",
                      IMPORT: "ledger"}
    assert all(not _algorithm(algorithm_id).icon().isNull() for algorithm_id in groups)


def test_field_pickers_are_bound_to_their_layers(loaded_plugin):
    algorithm = _algorithm(LAYERS)
    parents = {p.name(): p.parentLayerParameterName() for p in algorithm.parameterDefinitions()
               if isinstance(p, QgsProcessingParameterField)}

    assert parents == {
        "PATCH_ID_FIELD": "PATCHES", "BEFORE_FIELD": "PATCHES", "AFTER_FIELD": "PATCHES",
        "FARMLAND_CLASS_FIELD": "FARMLAND", "APPROVED_ID_FIELD": "APPROVED",
        "FACILITY_AGRI_ID_FIELD": "FACILITY_AGRI", "TEMPORARY_ID_FIELD": "TEMPORARY",
        "TOWNSHIP_FIELD": "ADMIN", "VILLAGE_FIELD": "ADMIN",
        "PARCELS_BEFORE_CLASS_FIELD": "PARCELS_BEFORE",
    }


def test_only_the_patches_and_their_output_are_required(loaded_plugin):
    algorithm = _algorithm(LAYERS)
    required = {p.name() for p in algorithm.parameterDefinitions()
                if not p.flags() & p.FlagOptional}

    assert required == {"PATCHES", "MIN_AREA", "OUTPUT"}
    assert algorithm.parameterDefinition("MIN_AREA").defaultValue() == 1.0
    assert algorithm.parameterDefinition("FARMLAND_CLASSES").defaultValue() == "01*"


def test_english_names_and_help(english_locale, loaded_plugin):
    layers, job = _algorithm(LAYERS), _algorithm(JOB)

    assert layers.displayName() == "Patch overlay analysis and violation verdict"
    assert job.displayName() == "Run patch verification from a job file"
    assert "selected features only" in layers.shortHelpString()
    assert "Job file" in job.shortHelpString()


def test_chinese_names_help_and_parameters(chinese_locale, loaded_plugin):
    layers, job = _algorithm(LAYERS), _algorithm(JOB)
    export, import_ = _algorithm(EXPORT), _algorithm(IMPORT)

    assert layers.displayName() == "图斑叠加分析与违法判定"
    assert job.displayName() == "按任务文件运行图斑核查"
    assert export.displayName() == "导出整改台账"
    assert import_.displayName() == "导入核查结果"
    assert layers.group() == "图斑核查" and export.group() == "整改台账"
    assert "仅选中要素" in layers.shortHelpString()
    assert "任务文件" in job.shortHelpString()
    assert "汇总" in export.shortHelpString() and "只读取" in import_.shortHelpString()
    for algorithm in (layers, job, export, import_):
        untranslated = [p.description() for p in algorithm.parameterDefinitions()
                        if not CJK.search(p.description())]
        untranslated += [o.description() for o in algorithm.outputDefinitions()
                         if not CJK.search(o.description())]
        assert untranslated == [], algorithm.id()


@pytest.fixture()
def small_job(tmp_path):
    """A job file over two patches and a farmland layer, in GeoPackages written with OGR."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4529)

    def write(name, field, rows):
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / f"{name}.gpkg"))
        layer = ds.CreateLayer(name, srs, ogr.wkbPolygon)
        layer.CreateField(ogr.FieldDefn(field, ogr.OFTString))
        for value, (x, size) in rows:
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField(field, value)
            x0, y0 = 41_500_000 + x, 3_400_000
            feature.SetGeometry(ogr.CreateGeometryFromWkt(
                f"POLYGON (({x0} {y0}, {x0 + size} {y0}, {x0 + size} {y0 + size}, "
                f"{x0} {y0 + size}, {x0} {y0}))"))
            layer.CreateFeature(feature)
        ds = None

    write("JCTB", "JCBH", [("JC001", (0, 100)), ("JC002", (500, 100))])
    write("DLTB", "DLBM", [("0101", (50, 300))])
    job = tmp_path / "job.yaml"
    job.write_text("patches: {path: JCTB.gpkg, layer: JCTB, id_field: JCBH}\n"
                   "baselines: {farmland: {path: DLTB.gpkg, layer: DLTB}}\n", encoding="utf-8")
    return job


def test_job_algorithm_loads_its_layers_styled(qgis_processing, qgis_iface, loaded_plugin,
                                               small_job, tmp_path):
    from qgis import processing

    results = processing.runAndLoadResults(
        JOB, {"JOB": str(small_job), "OUTPUT_FOLDER": str(tmp_path / "out")})

    loaded = {layer.source(): layer for layer in QgsProject.instance().mapLayers().values()}
    patches, overlaps = loaded[results["PATCHES"]], loaded[results["OVERLAPS"]]
    assert patches.renderer().type() == "RuleRenderer"
    assert overlaps.renderer().type() == "categorizedSymbol"
    assert patches.attributeAlias(patches.fields().indexOf("verdict")) == "判定结果"
    assert results["PATCH_COUNT"] == 2


def test_processing_builds_the_layer_analysis_dialog_with_field_pickers(
        qgis_processing, loaded_plugin, qgis_iface, qgis_new_project, monkeypatch):
    from qgis import processing
    from qgis.core import QgsVectorLayer

    patches = QgsVectorLayer("Polygon?crs=EPSG:4529&field=JCBH:string&field=HDLBM:string",
                             "监测图斑", "memory")
    QgsProject.instance().addMapLayer(patches)
    # The parameters panel asks QGIS's browser model; pytest-qgis's iface stub has none.
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: None, raising=False)
    dialog = processing.createAlgorithmDialog(LAYERS, {"PATCHES": patches.id()})
    try:
        wrappers = dialog.mainWidget().wrappers
        assert {"PATCHES", "PATCH_ID_FIELD", "FARMLAND_CLASS_FIELD", "OUTPUT", "OVERLAPS"} \
            <= set(wrappers)
        field_combo = wrappers["PATCH_ID_FIELD"].wrappedWidget()
        assert {"JCBH", "HDLBM"} <= {field_combo.itemText(i) for i in range(field_combo.count())}
    finally:
        dialog.close()
        dialog.deleteLater()
