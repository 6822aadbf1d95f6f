"""两期地类图斑变化提取与耕地进出平衡 in Processing and as the workspace's first step, on the
demo county's two survey years; the command line's derive-changes on the same files is the
reference."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from qgis.core import QgsCategorizedSymbolRenderer, QgsFeatureRequest, QgsProject, QgsVectorLayer

from dock_county import run_dock

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo" / "data"
ALGORITHM = "landsupervision:derivechanges"


def changes(path):
    layer = QgsVectorLayer(f"{path}|layername=changes", "c", "ogr")
    return {f["change_id"]: (f["from_class"], f["to_class"], round(f["change_m2"], 4),
                             f["farmland_flow"], f["zl_township"]) for f in layer.getFeatures()}


@pytest.fixture(scope="module")
def cli_changes(tmp_path_factory):
    """The command line's change patches of the demo's two years (the reference)."""
    out = tmp_path_factory.mktemp("cli")
    subprocess.run([sys.executable, "-m", "plugin.cli", "derive-changes",
                    "--before", f"{DEMO}/dltb_2023.gpkg:DLTB",
                    "--after", f"{DEMO}/dltb_2024.gpkg:DLTB", "--out", str(out), "-q"],
                   cwd=ROOT, check=True, capture_output=True)
    return changes(out / "changes.gpkg")


@pytest.fixture()
def years(qgis_new_project):
    project = QgsProject.instance()
    layers = [QgsVectorLayer(f"{DEMO}/dltb_{year}.gpkg|layername=DLTB", f"dltb_{year}", "ogr")
              for year in (2023, 2024)]
    for layer in layers:
        assert layer.isValid()
        project.addMapLayer(layer)
    return layers


def test_the_algorithm_gives_the_command_lines_change_patches(qgis_processing, loaded_plugin,
                                                              years, cli_changes, tmp_path):
    from qgis import processing

    results = processing.run(ALGORITHM, {"BEFORE": years[0], "AFTER": years[1],
                                         "OUTPUT_FOLDER": str(tmp_path / "out")})

    assert changes(tmp_path / "out" / "changes.gpkg") == cli_changes
    assert results["CHANGE_COUNT"] == len(cli_changes) > 0
    assert results["CHANGES"] == f"{tmp_path / 'out' / 'changes.gpkg'}|layername=changes"
    assert os.path.isfile(results["BALANCE_XLSX"]) and os.path.isfile(results["BALANCE_CHART"])


def test_layers_that_are_no_files_give_the_same_changes(qgis_processing, loaded_plugin, years,
                                                        cli_changes, tmp_path):
    from qgis import processing

    memory = [layer.materialize(QgsFeatureRequest()) for layer in years]

    processing.run(ALGORITHM, {"BEFORE": memory[0], "AFTER": memory[1],
                               "OUTPUT_FOLDER": str(tmp_path / "out")})

    assert changes(tmp_path / "out" / "changes.gpkg") == cli_changes


def test_the_change_patches_load_styled_by_farmland_flow(qgis_processing, loaded_plugin, years,
                                                         tmp_path):
    from qgis import processing

    processing.runAndLoadResults(ALGORITHM, {"BEFORE": years[0], "AFTER": years[1],
                                             "OUTPUT_FOLDER": str(tmp_path / "out")})

    [layer] = [layer for layer in QgsProject.instance().mapLayers().values()
               if layer.source().endswith("changes.gpkg|layername=changes")]
    assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
    assert layer.renderer().classAttribute() == "farmland_flow"
    assert layer.fields().field("to_class").alias() == "变更后地类编码"


def test_the_dock_guesses_the_two_years_from_the_layer_names(dock, years):
    step = dock.data_page.changes_step

    parameters = step.dialog_parameters(QgsProject.instance())

    assert (parameters["BEFORE"], parameters["AFTER"]) == (years[0].id(), years[1].id())
    assert parameters["OUTPUT_FOLDER"].startswith(os.path.join(dock.out_dir(), "change patches"))


def test_the_change_step_feeds_the_run_and_shows_the_balance(qgis_processing, loaded_plugin,
                                                             dock, years, qtbot, monkeypatch,
                                                             tmp_path):
    from qgis import processing

    def dialog(algorithm, parameters):
        return processing.runAndLoadResults(algorithm, parameters)

    monkeypatch.setattr(processing, "execAlgorithmDialog", dialog, raising=False)
    dock.data_page.changes_step.derive_button.click()

    patches = dock.data_page.role_rows["patches"]
    assert patches.layer().source().endswith("changes.gpkg|layername=changes")
    assert patches.choice().fields == {"id_field": "change_id", "before_field": "from_class",
                                       "after_field": "to_class"}
    step = dock.data_page.changes_step
    assert not step.chart_label.pixmap().isNull()
    assert step.sheet_button.isEnabled() and step.chart_button.isEnabled()
    assert step.summary_label.text().startswith(
        f"{patches.layer().featureCount()} change patches")
    dock.data_page.role_rows["farmland"].set_layer(years[0])

    task = run_dock(dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    assert dock.results_panel.model.all_rows
