"""Zones a job file adds itself (自然保护地, 饮用水水源保护区 …) in the workspace: the dock keeps
every one of them (state, project, data page by display name, the run), the results table
shows the zones a patch lies in and filters by them, and the overlaps legend names them."""

from osgeo import ogr
from qgis.core import QgsProject, QgsVectorLayer

from dock_county import run_dock, square, visible_ids, write_layer
from plugin.gui import checks
from plugin.gui.input_styles import SYMBOLS, ZONE_STYLE
from plugin.gui.job_state import job_dict, load_from_project
from plugin.qgis_io.result_styles import OVERLAPS_STYLE, style_result_layer

JOB = """
patches: {path: data/jctb.gpkg, layer: JCTB, id_field: JCBH, before_field: QDLBM, after_field: HDLBM}
baselines:
  farmland: {path: data/dltb.gpkg, layer: DLTB, where: {DLBM: ["01*"]}}
  nature_reserve: {name: 自然保护地, path: data/zrbhd.gpkg, layer: ZRBHD, carry: [GNFQ]}
  water_source:
    name: 饮用水水源保护区
    path: data/sydbhq.gpkg
    layer: SYDBHQ
    carry: [BHJB]
    where: {BHJB: [一级保护区, 二级保护区]}
exemptions:
  approved: {path: data/pzyd.gpkg, layer: PZYD, id_field: PZWH}
admin: {path: data/xzq.gpkg, layer: CJXZQ, township_field: XZMC}
rules: [default, ecology]
"""


def zone_job(county, tmp_path):
    """The test county with a reserve's core zone over JC002 (a factory on farmland) and a
    water source's first-level zone over JC004 (an orchard), as a job file."""
    data = tmp_path / "data"
    write_layer(data / "zrbhd.gpkg", "ZRBHD", ["GNFQ"],
                [(square(90, -10, 60), {"GNFQ": "核心保护区"})])
    write_layer(data / "sydbhq.gpkg", "SYDBHQ", ["BHJB"],
                [(square(290, -10, 60), {"BHJB": "一级保护区"}),
                 (square(600, 600, 10), {"BHJB": "准保护区"})])
    job = tmp_path / "job.yaml"
    job.write_text(JOB, encoding="utf-8")
    return job


def test_a_job_files_zones_are_kept_shown_by_name_and_handed_to_the_run(dock, county, tmp_path):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    dock.run_page.name_edit.setText("有管控区的任务")  # any edit of the form keeps them too

    state = dock.current_state()
    assert {"nature_reserve", "water_source"} <= set(state.choices)
    water = state.choices["water_source"]
    assert (water.name, water.carry, water.where) == (
        "饮用水水源保护区", ["BHJB"], {"BHJB": ["一级保护区", "二级保护区"]})
    rows = dock.data_page.zone_rows
    assert [r.role.label for r in rows.values()] == ["自然保护地", "饮用水水源保护区"]
    assert rows["water_source"].layer().name() == "SYDBHQ"
    assert "BHJB" in rows["water_source"].details.text()
    symbol = rows["nature_reserve"].layer().renderer().symbol()  # the zones' own input style
    assert symbol.symbolLayer(0).strokeColor().name() == SYMBOLS[ZONE_STYLE]["outline_color"]

    data = job_dict(state, QgsProject.instance(), str(tmp_path / "tmp"))
    assert data["rules"] == ["default", "ecology"]
    assert data["baselines"]["nature_reserve"]["name"] == "自然保护地"
    assert data["baselines"]["nature_reserve"]["carry"] == ["GNFQ"]
    assert data["baselines"]["water_source"]["where"] == {"BHJB": ["一级保护区", "二级保护区"]}
    assert data["baselines"]["water_source"]["path"].endswith("sydbhq.gpkg")


def test_the_zones_come_back_with_the_project(dock, county, tmp_path):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    saved = dock.current_state()
    project = QgsProject.instance()
    path = str(tmp_path / "zones.qgz")
    assert project.write(path)
    project.clear()
    assert dock.data_page.zone_rows == {}
    assert project.read(path)

    assert dock.current_state() == saved
    assert load_from_project(project).choices["nature_reserve"].carry == ["GNFQ"]
    assert list(dock.data_page.zone_rows) == ["nature_reserve", "water_source"]


def test_the_run_judges_the_zones_and_the_table_shows_and_filters_them(dock, county, tmp_path,
                                                                       qtbot):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    run_dock(dock, qtbot)
    ds = ogr.Open(dock.state.result_path)
    rows = {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}
    ds = None
    assert rows["JC002"]["violation_type"] == "自然保护地核心保护区内建设"
    assert rows["JC004"]["water_source_BHJB"] == "一级保护区"

    layer = dock.result_layer  # the zones' areas show two decimals, as the known ones do
    setup = layer.editorWidgetSetup(layer.fields().lookupField("nature_reserve_m2"))
    assert (setup.type(), setup.config()["Precision"]) == ("Range", 2)

    panel = dock.results_panel
    column = panel.model.column_of("zones")
    assert not panel.table.isColumnHidden(column) and panel.zone_combo.isVisible()
    shown = {r.patch_id: r.zones for r in panel.visible_rows()}
    assert shown == {"JC001": "", "JC002": "自然保护地 核心保护区", "JC004": "饮用水水源保护区 一级保护区"}
    assert [panel.zone_combo.itemText(i) for i in range(1, panel.zone_combo.count())] == [
        "自然保护地", "饮用水水源保护区"]
    panel.set_filter(zone="自然保护地")
    assert visible_ids(dock) == ["JC002"]


def test_a_result_without_zones_shows_the_table_as_before(ready_dock, qtbot):
    run_dock(ready_dock, qtbot)
    panel = ready_dock.results_panel
    assert panel.table.isColumnHidden(panel.model.column_of("zones"))
    assert not panel.zone_combo.isVisible() and not panel.zone_label.isVisible()


def test_a_carried_field_missing_from_the_chosen_layer_stops_the_run(dock, county, tmp_path):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    other = QgsVectorLayer(county["patches"], "JCTB", "ogr")
    QgsProject.instance().addMapLayer(other)
    dock.data_page.zone_rows["nature_reserve"].set_layer(other)

    problems = checks.check_job(dock.current_state(), QgsProject.instance())
    errors = [p.text for p in problems if p.level == checks.ERROR and p.role == "nature_reserve"]
    assert any("GNFQ" in text and "自然保护地" in text for text in errors), errors


def test_the_overlaps_legend_names_each_zone_by_its_display_name(dock, county, tmp_path, qtbot):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    run_dock(dock, qtbot)
    layer = QgsVectorLayer(f"{dock.state.result_path}|layername=overlaps", "overlaps", "ogr")
    assert style_result_layer(layer, OVERLAPS_STYLE)
    labels = {c.value(): c.label() for c in layer.renderer().categories()}
    assert labels["nature_reserve"] == "自然保护地"
    assert labels["water_source"] == "饮用水水源保护区"
    assert labels["farmland"] == "耕地"
    symbols = {c.value(): c.symbol().color().name() for c in layer.renderer().categories()}
    assert symbols["nature_reserve"] != symbols["farmland"]


def test_a_zone_whose_layer_leaves_the_project_stays_in_the_job_and_stops_the_run(
        dock, county, tmp_path):
    assert dock.open_job_file(str(zone_job(county, tmp_path)))
    layer = dock.data_page.zone_rows["water_source"].layer()
    QgsProject.instance().removeMapLayer(layer.id())

    state = dock.current_state()
    assert state.choices["water_source"].name == "饮用水水源保护区"
    assert state.choices["water_source"].layer_id == ""
    problems = checks.check_job(state, QgsProject.instance())
    assert [p.level for p in problems if p.role == "water_source"] == [checks.ERROR]
    assert "饮用水水源保护区" in next(p.text for p in problems if p.role == "water_source")
    assert not dock.run()


def test_a_role_whose_layer_leaves_the_project_takes_no_other_layer(ready_dock):
    row = ready_dock.data_page.role_rows["basic_farmland"]
    QgsProject.instance().removeMapLayer(row.layer().id())
    assert row.layer() is None
    assert "basic_farmland" not in ready_dock.current_state().choices


def test_the_layers_dialog_names_what_of_the_workspace_it_cannot_take(tmp_path):
    from plugin.gui.analyse_dialog import left_out, rules_parameter
    from plugin.gui.job_state import JobState, RoleChoice

    state = JobState(rules="default; ecology", choices={
        "patches": RoleChoice(layer_id="p"),
        "farmland": RoleChoice(layer_id="f", name="耕地", carry=["DLMC"]),
        "nature_reserve": RoleChoice(layer_id="z", name="自然保护地", carry=["GNFQ"])})

    missing = "; ".join(left_out(state))
    assert "自然保护地" in missing and "DLMC" in missing and "default; ecology" in missing
    assert rules_parameter(state) == ""

    own = tmp_path / "mine.yaml"
    own.write_text("rules: []\n", encoding="utf-8")
    plain = JobState(rules=str(own), choices={"patches": RoleChoice(layer_id="p")})
    assert left_out(plain) == [] and rules_parameter(plain) == str(own)
    assert left_out(JobState(rules="default")) == [] and left_out(None) == []


def test_a_job_files_previous_year_parcels_are_kept_and_handed_to_the_run(dock, county, tmp_path):
    """The previous year's parcels (before classes, owners) were dropped when a job file ran
    from the workspace: they have their own row now, names tick included."""
    job = tmp_path / "job.yaml"
    job.write_text(JOB + "parcels_before: {path: data/dltb.gpkg, layer: DLTB, class_field: DLBM,"
                   " class_values: names}\n", encoding="utf-8")
    assert dock.open_job_file(str(job))
    row = dock.data_page.role_rows["parcels_before"]
    assert row.layer().name() == "DLTB" and row.class_names.isChecked()

    entry = job_dict(dock.current_state(), QgsProject.instance(), str(tmp_path / "tmp"))
    assert entry["parcels_before"]["class_field"] == "DLBM"
    assert entry["parcels_before"]["class_values"] == "names"
    assert entry["parcels_before"]["path"].endswith("dltb.gpkg")
