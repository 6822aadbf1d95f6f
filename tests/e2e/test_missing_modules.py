"""The packaged plugin on a QGIS that lacks every optional module: it loads, says in Chinese
what is missing and how to add it (log and message bar), its algorithms refuse with that
message instead of an ImportError, and what needs none of the modules still runs."""

import sys
from pathlib import Path

import pytest
import qgis.utils
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsProcessingException,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsMessageBar

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from import_blocker import hidden_modules  # noqa: E402

NAME = "land_supervision"
HIDDEN = {"shapely", "openpyxl", "rasterio", "pandas", "PIL", "matplotlib"}
ONE_OF_EACH = {"menu bar entries": 1, "menus": 1, "toolbars": 1, "actions": 1, "providers": 1}


@pytest.fixture()
def message_bar(qgis_iface, monkeypatch):
    """QGIS's real message bar in place of pytest-qgis's stub."""
    bar = QgsMessageBar()
    monkeypatch.setattr(qgis_iface, "_messageBar", bar)
    yield bar
    bar.deleteLater()


@pytest.fixture()
def started(qgis_plugin_paths, qgis_iface, message_bar, log_messages):
    """The installed plugin started with the optional modules absent: (plugin, its package)."""
    with hidden_modules(HIDDEN):
        assert qgis.utils.loadPlugin(NAME)
        assert qgis.utils.startPlugin(NAME)
        yield qgis.utils.plugins[NAME], sys.modules[NAME]
        assert qgis.utils.unloadPlugin(NAME)


def test_the_plugin_starts_without_importing_any_optional_module(started, footprint):
    assert footprint() == ONE_OF_EACH
    assert not [m for m in sys.modules if m.split(".")[0] in HIDDEN]


def test_the_log_says_what_is_missing_what_that_stops_and_how_to_add_it(started, log_messages):
    package = started[1]
    ours = [(level, text) for tag, level, text in log_messages
            if tag == package.identity.LOG_TAG]
    level, report = next((level, text) for level, text in ours if "可选 Python 模块检查" in text)

    assert level == Qgis.MessageLevel.Warning
    for module in ("shapely", "openpyxl", "Pillow", "matplotlib"):
        assert f"  · {module}（" in report
    assert "pandas" not in report  # the engine no longer needs it
    assert "暂不可用的功能" in report and "图斑叠加分析与违法判定" in report
    assert "照常可用：核查工作台的数据选择与数据检查" in report
    assert "sudo apt install python3-openpyxl" in report
    assert "rasterio：未安装。无需安装" in report


def test_the_message_bar_tells_it_once_with_the_details_behind_it(started, message_bar):
    items = message_bar.items()

    assert len(items) == 1
    assert items[0].level() == Qgis.MessageLevel.Warning
    assert items[0].text().startswith("缺少 Python 模块 ")
    assert "openpyxl" in items[0].text()


def test_every_algorithm_refuses_with_the_report_instead_of_running(started):
    provider = QgsApplication.processingRegistry().providerById("landsupervision")

    for algorithm in provider.algorithms():
        ok, message = algorithm.canExecute()
        assert not ok, algorithm.id()
        assert "无法运行" in message and "安装" in message


def test_processing_run_of_the_analysis_raises_the_chinese_message(started, qgis_processing,
                                                                   tmp_path):
    from qgis import processing

    job = Path(started[1].__file__).parent / "resources" / "demo" / "job.yaml"
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("landsupervision:analyse",
                       {"JOB": str(job), "OUTPUT_FOLDER": str(tmp_path)})

    assert "shapely" in str(refused.value) and "Traceback" not in str(refused.value)
    assert not (tmp_path / "result.gpkg").exists()


def _patch_layer():
    layer = QgsVectorLayer("Polygon?crs=EPSG:4529&field=JCBH:string", "JCTB", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttributes(["001"])
    feature.setGeometry(QgsGeometry.fromWkt(
        "POLYGON((41500000 3400000, 41500100 3400000, 41500100 3400100, 41500000 3400000))"))
    layer.dataProvider().addFeatures([feature])
    return layer


def test_the_data_check_still_runs_and_lists_the_missing_modules_first(started,
                                                                       qgis_new_project):
    package = started[1]
    layer = _patch_layer()
    QgsProject.instance().addMapLayer(layer)
    state = package.gui.job_state.JobState()
    state.choice("patches").layer_id = layer.id()

    problems = package.gui.checks.check_job(state, QgsProject.instance())

    assert problems[0].level == "error" and problems[0].role == "modules"
    assert "shapely" in problems[0].text and "pandas" not in problems[0].text
    assert [p.role for p in problems[1:]] and {p.role for p in problems[1:]} <= {
        "patches", "baselines"}
    assert not [m for m in sys.modules if m.split(".")[0] in HIDDEN]


def test_the_workspace_is_built_with_its_three_pages(started):
    plugin, _package = started

    assert plugin.dock.tabs.count() == 3
