"""The workspace's 上一批次结果 (the previous batch's result) and the tick saying the patches' class
fields hold land-class names; and the same two in Processing."""

import pytest
from osgeo import ogr
from qgis.core import QgsProject

from dock_county import PATCHES, run_dock
from plugin.core.ledger.result_access import read_result, write_analyst_values
from plugin.gui import checks
from plugin.gui.job_state import JobState, job_dict, load_from_project
from plugin.processing.provider import PROVIDER_ID


def patches_of(path):
    ds = ogr.Open(path)
    return {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}


def test_a_run_with_the_previous_result_carries_its_ledger_state(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    first = ready_dock.state.result_path
    result = read_result(first)
    fid = next(p["fid"] for p in result.patches if p["patch_id"] == "JC001")
    write_analyst_values(result, {fid: {"ledger_land_user": "张三", "ledger_check_result": "属实"}},
                         {})
    ready_dock.data_page.set_previous_result(first)
    ready_dock.data_page.previous_widget.fileChanged.emit(first)

    task = run_dock(ready_dock, qtbot)

    assert task.outcome == "succeeded", (task.error, task.failure)
    second = patches_of(ready_dock.state.result_path)
    assert second.keys() == {p[0] for p in PATCHES}
    assert {r["delivery"] for r in second.values()} == {"重复下发"}
    assert (second["JC001"]["ledger_land_user"], second["JC001"]["ledger_check_result"]) == \
        ("张三", "属实")
    assert second["JC002"]["ledger_land_user"] is None


def test_the_previous_result_and_the_names_tick_go_into_the_job(ready_dock, tmp_path):
    ready_dock.data_page.set_previous_result(str(tmp_path / "b1" / "result.gpkg"))
    ready_dock.data_page.role_rows["patches"].class_names.setChecked(True)
    state = ready_dock.current_state()
    job = job_dict(state, QgsProject.instance(), str(tmp_path / "tmp"))
    assert job["previous"] == {"path": str(tmp_path / "b1" / "result.gpkg")}
    assert job["patches"]["class_values"] == "names"
    assert "class_values" not in job["baselines"]["farmland"]


def test_both_are_kept_in_the_project(ready_dock, tmp_path):
    ready_dock.data_page.set_previous_result(str(tmp_path / "result.gpkg"))
    ready_dock.data_page.role_rows["patches"].class_names.setChecked(True)
    ready_dock.save_state()
    saved = load_from_project(QgsProject.instance())
    assert saved.previous_result == str(tmp_path / "result.gpkg")
    assert saved.choices["patches"].class_names is True
    assert JobState.from_json(saved.to_json()) == saved


def test_a_previous_result_that_is_gone_stops_the_run(ready_dock, tmp_path):
    ready_dock.data_page.set_previous_result(str(tmp_path / "gone.gpkg"))
    problems = checks.check_job(ready_dock.current_state(), QgsProject.instance())
    assert any(p.level == checks.ERROR and p.role == "previous" and "gone.gpkg" in p.text
               for p in problems)


@pytest.fixture()
def files_params(county):
    return {"PATCHES": county["patches"], "PATCH_ID_FIELD": "JCBH", "BEFORE_FIELD": "QDLBM",
            "AFTER_FIELD": "HDLBM", "FARMLAND": county["farmland"],
            "FARMLAND_CLASS_FIELD": "DLBM", "FARMLAND_CLASSES": "01*"}


def test_processing_takes_the_previous_batchs_result(qgis_processing, loaded_plugin,
                                                     files_params, tmp_path):
    import processing
    first = processing.run(f"{PROVIDER_ID}:analyselayers",
                           dict(files_params, OUTPUT="memory:", RESULT_GPKG=str(tmp_path / "1.gpkg")))
    second = processing.run(f"{PROVIDER_ID}:analyselayers",
                            dict(files_params, OUTPUT="memory:", PREVIOUS=first["RESULT_GPKG"],
                                 PREVIOUS_OVERLAP=0.9))
    delivered = {f["patch_id"]: f["delivery"] for f in second["OUTPUT"].getFeatures()}
    assert set(delivered.values()) == {"重复下发"}
