"""准备外业核查 through Processing on the demo county: the pack, the field sheets PDF, the
mobile GeoPackage as QGIS opens it (value lists from the field domains), and the pack's
project opened in headless QGIS after the pack was copied away from the data it came from."""

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from osgeo import ogr
from qgis.core import (
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProcessingException,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from plugin.core.analysis import run_analysis
from plugin.core.ledger.columns import SITE_VALUES
from plugin.core.job import load_job
from plugin.qgis_io.qfield_project import write_qfield_project
from plugin.processing.provider import PROVIDER_ID

FIELDPACK = f"{PROVIDER_ID}:fieldpack"
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"
CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    return run_analysis(load_job(str(DEMO / "job.yaml")),
                        str(tmp_path_factory.mktemp("demo"))).result_path


def flagged_count(result):
    ds = ogr.Open(result)
    layer = ds.GetLayerByName("patches")
    layer.SetAttributeFilter("verdict IN ('违法', '需核实')")
    return layer.GetFeatureCount()


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture()
def pack(qgis_processing, loaded_plugin, demo_result, tmp_path):
    from qgis import processing

    return processing.run(FIELDPACK, {
        "RESULT": demo_result, "BEFORE": str(DEMO / "data" / "before.tif"),
        "AFTER": str(DEMO / "data" / "after.tif"), "AFTER_DATE": "2024-10-01",
        "OUTPUT_FOLDER": str(tmp_path / "pack")})


def test_field_sheets_have_one_page_per_flagged_patch(pack, demo_result, tmp_path):
    assert pack["PATCH_COUNT"] == flagged_count(demo_result)
    assert pdf_pages(pack["PDF"]) == pack["PATCH_COUNT"]
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", pack["PDF"], str(png)],
                   check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 20_000


def test_field_sheet_text_names_the_first_patch_of_the_route(pack):
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", pack["PDF"], "-"],
                          capture_output=True, text=True, check=True).stdout
    # pdftotext gives some CJK glyphs as Kangxi radicals (⼝ for 口); NFKC maps them back
    text = unicodedata.normalize("NFKC", text)
    ds = ogr.Open(pack["GPKG"])
    layer = ds.GetLayerByName("核查图斑")
    layer.SetAttributeFilter('"序号" = 1')
    first = next(iter(layer))
    for value in (first.GetField("图斑编号"), first.GetField("乡镇"), first.GetField("村"),
                  "核查结论", "现场照片编号", "核查人", "签字", "后时相影像(2024-10-01)"):
        assert value in text
    assert "前时相影像(" not in text  # the demo's before-image carries no date
    # the legend names the outlines drawn, the job's own zones in their colours among them
    assert "永久基本农田" in text and "蓝线 自然保护地" in text  # ⻩ stays a radical in NFKC
    assert "橙线 饮用水水源保护区" in text and "底图 后时相影像" in text


def test_mobile_gpkg_opens_in_qgis_with_value_lists(pack):
    layer = QgsVectorLayer(f"{pack['GPKG']}|layername=核查图斑", "核查图斑", "ogr")
    assert layer.isValid()
    assert layer.featureCount() == pack["PATCH_COUNT"]
    index = layer.fields().indexOf("核查结果")
    setup = layer.editorWidgetSetup(index)
    assert setup.type() == "ValueMap"
    values = {v for entry in setup.config()["map"] for v in entry.values()} \
        if isinstance(setup.config()["map"], list) else set(setup.config()["map"].values())
    assert values == {"属实", "不属实", "部分属实"}
    for name in ("现场照片编号", "核查人", "核查日期", "备注"):
        assert layer.fields().indexOf(name) >= 0


def test_without_sheets_no_pdf(qgis_processing, loaded_plugin, demo_result, tmp_path):
    from qgis import processing

    result = processing.run(FIELDPACK, {"RESULT": demo_result, "SHEETS": False,
                                        "OUTPUT_FOLDER": str(tmp_path / "p")})
    assert result["PDF"] == "" and Path(result["GPKG"]).is_file()
    assert not (tmp_path / "p" / "外业核查表.pdf").exists()


def test_qfield_project_beside_the_gpkg_has_value_lists_and_relative_paths(pack):
    path = Path(pack["PROJECT"])
    assert path.parent == Path(pack["GPKG"]).parent
    text = path.read_text(encoding="utf-8")
    assert "./核查图斑.gpkg" in text
    assert str(path.parent) not in text  # no path in the project leads out of the pack
    project = QgsProject()
    assert project.read(str(path))
    layer = project.mapLayersByName("核查图斑")[0]
    assert layer.isValid() and layer.featureCount() == pack["PATCH_COUNT"]
    fields = layer.fields()
    setup = layer.editorWidgetSetup(fields.indexOf("现场现状"))
    assert setup.type() == "ValueMap"
    assert [v for entry in setup.config()["map"] for v in entry] == list(SITE_VALUES)
    assert layer.editorWidgetSetup(fields.indexOf("核查日期")).type() == "DateTime"
    form = layer.editFormConfig()
    assert form.readOnly(fields.indexOf("图斑编号"))
    assert form.readOnly(fields.indexOf("后时相切片")) and form.readOnly(fields.indexOf("核查位置经度"))
    assert not form.readOnly(fields.indexOf("核查结果"))
    assert not form.readOnly(fields.indexOf("现场照片"))


def test_the_photo_field_is_an_attachment_stored_in_the_packs_dcim_folder(pack):
    project = QgsProject()
    assert project.read(pack["PROJECT"])
    layer = project.mapLayersByName("核查图斑")[0]
    photo = layer.editorWidgetSetup(layer.fields().indexOf("现场照片"))
    assert photo.type() == "ExternalResource"
    assert photo.config()["RelativeStorage"] == 1 and photo.config()["DocumentViewer"] == 1
    naming = json.loads(layer.customProperty("QFieldSync/attachment_naming"))
    assert naming["现场照片"].startswith("'DCIM/'") and "{extension}" in naming["现场照片"]
    assert (Path(pack["PROJECT"]).parent / "DCIM").is_dir()
    chip = layer.editorWidgetSetup(layer.fields().indexOf("后时相切片"))
    assert chip.type() == "ExternalResource" and chip.config()["RelativeStorage"] == 1


def test_the_verifiers_position_is_recorded_whenever_a_patch_is_saved(pack):
    project = QgsProject()
    assert project.read(pack["PROJECT"])
    layer = project.mapLayersByName("核查图斑")[0]
    for name in ("核查位置经度", "核查位置纬度", "核查定位精度(米)"):
        default = layer.defaultValueDefinition(layer.fields().indexOf(name))
        assert default.applyOnUpdate()
        assert "@position_" in default.expression() and f'"{name}"' in default.expression()
    # in QGIS on a desktop there is no position: the expression keeps what was recorded
    feature = next(layer.getFeatures())
    feature["核查位置经度"] = 121.5
    index = layer.fields().indexOf("核查位置经度")
    assert layer.defaultValue(index, feature) == 121.5


@pytest.fixture(scope="module")
def travelled_pack(tmp_path_factory):
    """A pack made from a copy of the demo county, copied to another folder; then the county's
    data (images, baselines) and the original pack are moved away."""
    from plugin.core.fieldwork.pack import prepare_fieldpack
    from plugin.qgis_io.fieldpack_outputs import write_qgis_outputs

    office = tmp_path_factory.mktemp("office")
    shutil.copytree(DEMO, office / "demo")
    result = run_analysis(load_job(str(office / "demo" / "job.yaml")), str(office / "out")).result_path
    data = office / "demo" / "data"
    pack = prepare_fieldpack(result, str(office / "pack"), str(data / "before.tif"),
                             str(data / "after.tif"))
    write_qgis_outputs(pack, sheets=False)
    tablet = tmp_path_factory.mktemp("tablet") / "外业数据包"
    shutil.copytree(office / "pack", tablet)
    (office / "demo").rename(office / "moved-away")
    shutil.rmtree(office / "pack")
    return tablet


def test_a_copied_pack_opens_with_every_layer_inside_it_patches_on_top(travelled_pack):
    copy = travelled_pack
    project = QgsProject()
    assert project.read(str(copy / "核查图斑.qgs"))
    order = project.layerTreeRoot().layerOrder()
    assert [layer.name() for layer in order] == [
        "核查图斑", "永久基本农田", "生态保护红线", "城镇开发边界", "自然保护地", "饮用水水源保护区", "耕地",
        "后时相影像", "前时相影像"]
    for layer in order:
        assert layer.isValid(), layer.name()
        source = Path(layer.source().split("|")[0])
        assert copy in source.parents, layer.source()
    visible = {n.layer().name(): n.isVisible() for n in project.layerTreeRoot().findLayers()}
    assert visible["前时相影像"] is False and visible["后时相影像"] is True
    rasters = [layer for layer in order if isinstance(layer, QgsRasterLayer)]
    assert len(rasters) == 2 and all(r.dataProvider().bandCount() >= 3 for r in rasters)


def test_a_copied_pack_draws_the_patches_over_the_imagery_without_the_source_images(
        travelled_pack, tmp_path):
    copy = travelled_pack
    project = QgsProject()
    assert project.read(str(copy / "核查图斑.qgs"))
    root = project.layerTreeRoot()
    patches = project.mapLayersByName("核查图斑")[0]
    settings = QgsMapSettings()
    settings.setLayers([n.layer() for n in root.findLayers() if n.isVisible()])
    settings.setDestinationCrs(project.crs())
    extent = patches.extent()
    extent.grow(100)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(900, 700))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    assert job.renderedImage().save(str(tmp_path / "pack.png"))
    image = job.renderedImage().convertToFormat(job.renderedImage().Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    pixels = pixels.reshape(image.height(), image.width(), 4)[:, :, 2::-1].astype(int)
    red = (pixels[:, :, 0] > 200) & (pixels[:, :, 1] < 60) & (pixels[:, :, 2] < 60)
    white = (pixels > 245).all(axis=2)
    assert red.sum() > 500  # the patch outlines (违法 in red) and their numbers
    assert white.mean() < 0.6  # the imagery under them: the pack's, the sources are not read


def test_cli_fieldpack_writes_the_sheets_and_the_qfield_project(demo_result, tmp_path):
    from plugin.cli import main

    out = tmp_path / "cli"
    assert main(["fieldpack", demo_result, "--out", str(out), "-q",
                 "--after", str(DEMO / "data" / "after.tif")]) == 0
    assert pdf_pages(out / "外业核查表.pdf") == flagged_count(demo_result)
    assert (out / "核查图斑.qgs").is_file()


def test_drawing_the_imagery_writes_nothing_beside_the_users_image(qgis_processing, loaded_plugin,
                                                                   demo_result, tmp_path):
    import shutil

    import processing
    images = tmp_path / "images"
    images.mkdir()
    for name in ("before.tif", "after.tif"):
        shutil.copy(DEMO / "data" / name, images / name)
    processing.run("landsupervision:fieldpack", {
        "RESULT": demo_result, "BEFORE": str(images / "before.tif"),
        "AFTER": str(images / "after.tif"), "OUTPUT_FOLDER": str(tmp_path / "pack")})
    assert sorted(p.name for p in images.iterdir()) == ["after.tif", "before.tif"]
    assert list((tmp_path / "pack").glob("*.pdf"))  # the sheets were drawn over the imagery


def _fieldpack_algorithm():
    return QgsApplication.processingRegistry().algorithmById(FIELDPACK)


def test_the_algorithm_runs_on_the_main_thread(loaded_plugin):
    from plugin.compat import NO_THREADING

    assert _fieldpack_algorithm().flags() & NO_THREADING


def test_processing_refuses_to_replace_field_work_unless_told_to(qgis_processing, loaded_plugin,
                                                                demo_result, tmp_path):
    from qgis import processing

    folder = str(tmp_path / "p")
    first = processing.run(FIELDPACK, {"RESULT": demo_result, "SHEETS": False, "OUTPUT_FOLDER": folder})
    ds = ogr.Open(first["GPKG"], update=1)
    ds.ExecuteSQL('UPDATE "核查图斑" SET "核查结果" = \'属实\' WHERE "序号" = 1')
    ds = None
    with pytest.raises(QgsProcessingException, match="外业核查内容"):
        processing.run(FIELDPACK, {"RESULT": demo_result, "SHEETS": False, "OUTPUT_FOLDER": folder})
    processing.run(FIELDPACK, {"RESULT": demo_result, "SHEETS": False, "OVERWRITE": True,
                               "OUTPUT_FOLDER": folder})
    copies = list((tmp_path / "p").glob("核查图斑.bak-*.gpkg"))
    assert len(copies) == 1
    kept = ogr.Open(str(copies[0]))
    assert [f.GetField("核查结果") for f in kept.GetLayerByName("核查图斑") if f.GetField("序号") == 1] == ["属实"]


def test_english_name_and_help_name_every_output(english_locale, loaded_plugin):
    algorithm = _fieldpack_algorithm()

    assert algorithm.displayName() == "Prepare field verification"
    assert algorithm.group() == "Patch verification"
    help_text = algorithm.shortHelpString()
    for output in ("外业核查表.pdf", "核查图斑.gpkg", "核查图斑.qgs", "核查图斑.kml / .kmz", "chips",
                   "参考图层.gpkg", "影像", "DCIM", "CGCS2000", "import-field"):
        assert output in help_text


def test_chinese_name_help_parameters_and_outputs(chinese_locale, loaded_plugin):
    algorithm = _fieldpack_algorithm()

    assert algorithm.displayName() == "准备外业核查"
    assert algorithm.group() == "图斑核查"
    assert "按乡镇分组" in algorithm.shortHelpString()
    descriptions = [p.description() for p in algorithm.parameterDefinitions()]
    descriptions += [o.description() for o in algorithm.outputDefinitions()]
    assert [d for d in descriptions if not CJK.search(d)] == []


def test_chinese_locale_reports_a_missing_field_gpkg_in_chinese(chinese_locale, loaded_plugin,
                                                                tmp_path):
    from plugin.core.fieldwork.pack import FieldPack

    pack = FieldPack(folder=str(tmp_path), patches=1, gpkg=str(tmp_path / "missing.gpkg"))
    with pytest.raises(QgsProcessingException, match="无法打开外业数据"):
        write_qfield_project(pack, str(tmp_path / "p.qgs"))


def test_headless_qgis_outputs_report_in_chinese_like_the_cli(compiled_translations, tmp_path):
    # a fresh interpreter: the function starts QGIS itself only when none runs
    script = (
        "import sys\n"
        "from plugin.core.errors import InputError\n"
        "from plugin.core.fieldwork.pack import FieldPack\n"
        "from plugin.qgis_io.fieldpack_outputs import write_qgis_outputs_headless\n"
        "pack = FieldPack(folder=sys.argv[1], patches=1, gpkg=sys.argv[1] + '/missing.gpkg')\n"
        "try:\n"
        "    write_qgis_outputs_headless(pack)\n"
        "except InputError as e:\n"
        "    print(e)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True)
    assert "无法打开外业数据" in run.stdout
