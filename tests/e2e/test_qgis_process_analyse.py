"""The analysis algorithms run by the real ``qgis_process`` program, checked against the engine.

One test uses the packaged plugin unpacked into a fresh profile (what users install); the
others the checkout's plugin through tools.run_qgis_process (what ``make demo``
runs).
"""

import subprocess

import pytest
from osgeo import ogr, osr

from plugin.core.analysis import run_analysis
from plugin.core.job import job_from_dict, load_job
from tools import run_qgis_process
from tools.run_qgis_process import QgisProcessError, run_algorithm, summary_lines

NAME = "land_supervision"
EPSG = 4529
X0, Y0 = 41_500_000.0, 3_400_000.0
AREA_TOLERANCE = 1e-6
COMPARED = ("area_m2", "farmland_m2", "basic_farmland_m2", "approved_m2", "free_m2", "township",
            "village", "verdict", "violation_type", "severity")


def _square(x, y, size):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for dx, dy in ((0, 0), (size, 0), (size, size), (0, size), (0, 0)):
        ring.AddPoint_2D(X0 + x + dx, Y0 + y + dy)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return polygon


def _write(path, layer_name, fields, rows):
    """A GeoPackage polygon layer of text fields: rows are ([values], geometry)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer(layer_name, srs, ogr.wkbPolygon)
    for name in fields:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for values, geometry in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name, value in zip(fields, values):
            feature.SetField(name, value)
        feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    ds = None
    return str(path)


@pytest.fixture()
def county(tmp_path):
    """{layer: path} of a small county: four patches, farmland, basic farmland, an approval,
    two villages."""
    data = tmp_path / "data"
    data.mkdir()
    return {
        "JCTB": _write(data / "jctb.gpkg", "JCTB", ["JCBH", "QDLBM", "HDLBM"], [
            (["JC001", "0101", "0702"], _square(0, 0, 100)),
            (["JC002", "0702", "0601"], _square(500, 0, 100)),
            (["JC003", "0103", "0201"], _square(950, 0, 80)),
            (["JC004", "0101", "0601"], _square(200, 200, 60)),
        ]),
        "DLTB": _write(data / "dltb.gpkg", "DLTB", ["DLBM"], [
            (["0101"], _square(-50, -50, 400)),
            (["0702"], _square(400, -50, 400)),
            (["0103"], _square(900, -50, 300)),
        ]),
        "YJJBNTTB": _write(data / "yjjbnttb.gpkg", "YJJBNTTB", ["BSM"],
                           [(["Y1"], _square(0, 0, 50))]),
        "PZYD": _write(data / "pzyd.gpkg", "PZYD", ["PZWH"],
                       [(["某政地〔2023〕12号"], _square(500, 0, 100))]),
        "CJXZQ": _write(data / "xzq.gpkg", "CJXZQ", ["XZMC", "XZQMC"], [
            (["甲镇", "一村"], _square(-100, -100, 700)),
            (["甲镇", "二村"], _square(600, -100, 800)),
        ]),
    }


def _job(county, patches_path=None):
    return {
        "patches": {"path": patches_path or county["JCTB"], "layer": "JCTB", "id_field": "JCBH",
                    "before_field": "QDLBM", "after_field": "HDLBM"},
        "baselines": {
            "farmland": {"path": county["DLTB"], "layer": "DLTB", "where": {"DLBM": ["01*"]}},
            "basic_farmland": {"path": county["YJJBNTTB"], "layer": "YJJBNTTB"},
        },
        "exemptions": {"approved": {"path": county["PZYD"], "layer": "PZYD",
                                    "id_field": "PZWH"}},
        "admin": {"path": county["CJXZQ"], "layer": "CJXZQ", "township_field": "XZMC",
                  "village_field": "XZQMC"},
    }


def _patches(path, layer_name="patches"):
    """{patch_id: {field: value}} of a result layer, read with OGR."""
    ds = ogr.Open(str(path))
    layer = ds.GetLayerByName(layer_name) if layer_name else ds.GetLayer(0)
    out = {f.GetField("patch_id"): f.items() for f in layer}
    ds = None
    return out


def _assert_same(ours, oracle):
    assert set(ours) == set(oracle)
    for patch_id, expected in oracle.items():
        for name in COMPARED:
            if isinstance(expected[name], float):
                assert ours[patch_id][name] == pytest.approx(expected[name],
                                                             abs=AREA_TOLERANCE), (patch_id, name)
            else:
                assert ours[patch_id][name] == expected[name], (patch_id, name)


@pytest.fixture()
def packaged_profile(profiles):
    """The settings folder (QGIS_CUSTOM_CONFIG_PATH) of a profile holding the packaged plugin,
    enabled."""
    settings = profiles / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"[PythonPlugins]\n{NAME}=true\n", encoding="utf-8")
    return profiles.parent


def test_packaged_plugin_analyses_layers_in_qgis_process_like_the_engine(packaged_profile,
                                                                         county, tmp_path):
    # The patches go with a subset filter in their source: the algorithm must copy just those.
    subset = "\"JCBH\" <> 'JC004'"
    patches_uri = f"{county['JCTB']}|layername=JCTB|subset={subset}"
    oracle_patches = tmp_path / "oracle_input.gpkg"
    src = ogr.Open(county["JCTB"])
    src_layer = src.GetLayerByName("JCTB")
    src_layer.SetAttributeFilter(subset)
    ogr.GetDriverByName("GPKG").CreateDataSource(str(oracle_patches)).CopyLayer(src_layer, "JCTB")
    src = None
    expected = run_analysis(job_from_dict(_job(county, str(oracle_patches)), str(tmp_path)),
                            str(tmp_path / "oracle"), job_workers=1)

    report = run_algorithm("landsupervision:analyselayers", {
        "PATCHES": patches_uri, "PATCH_ID_FIELD": "JCBH", "BEFORE_FIELD": "QDLBM",
        "AFTER_FIELD": "HDLBM", "FARMLAND": county["DLTB"], "FARMLAND_CLASS_FIELD": "DLBM",
        "FARMLAND_CLASSES": "01*", "BASIC_FARMLAND": county["YJJBNTTB"],
        "APPROVED": county["PZYD"], "APPROVED_ID_FIELD": "PZWH", "ADMIN": county["CJXZQ"],
        "TOWNSHIP_FIELD": "XZMC", "VILLAGE_FIELD": "XZQMC",
        "OUTPUT": str(tmp_path / "patches.gpkg"), "OVERLAPS": str(tmp_path / "overlaps.gpkg"),
        "RESULT_GPKG": str(tmp_path / "kept" / "result.gpkg"),
    }, config_path=packaged_profile, timeout=300)

    results = report["results"]
    ours = _patches(tmp_path / "patches.gpkg", None)
    assert set(ours) == {"JC001", "JC002", "JC003"}
    _assert_same(ours, _patches(expected.result_path))
    _assert_same(_patches(results["RESULT_GPKG"]), _patches(expected.result_path))
    assert results["PATCH_COUNT"] == 3
    assert results["ILLEGAL_COUNT"] == expected.verdicts.get("违法", 0)


JOB_YAML = (
    "patches: {path: data/jctb.gpkg, layer: JCTB, id_field: JCBH, before_field: QDLBM, "
    "after_field: HDLBM}\n"
    "baselines:\n"
    "  farmland: {path: data/dltb.gpkg, layer: DLTB, where: {DLBM: ['01*']}}\n"
    "  basic_farmland: {path: data/yjjbnttb.gpkg, layer: YJJBNTTB}\n"
    "exemptions:\n"
    "  approved: {path: data/pzyd.gpkg, layer: PZYD, id_field: PZWH}\n"
    "admin: {path: data/xzq.gpkg, layer: CJXZQ, township_field: XZMC, village_field: XZQMC}\n"
)


def test_make_demo_runner_runs_a_job_file_like_the_engine(county, tmp_path):
    job_path = tmp_path / "job.yaml"
    job_path.write_text(JOB_YAML, encoding="utf-8")
    expected = run_analysis(load_job(str(job_path)), str(tmp_path / "oracle"), job_workers=1)
    out = tmp_path / "out"

    report = run_algorithm("landsupervision:analyse",
                           {"JOB": str(job_path), "OUTPUT_FOLDER": str(out)}, timeout=300)

    assert report["results"]["OUTPUT_GPKG"] == str(out / "result.gpkg")
    _assert_same(_patches(out / "result.gpkg"), _patches(expected.result_path))
    lines = summary_lines(report)
    assert lines[0] == f"结果: {out / 'result.gpkg'}"
    verdicts = [line for line in expected.summary_lines() if line.startswith("判定")]
    assert verdicts and verdicts[0] in lines


def test_demo_runner_command_writes_the_result_and_the_ledger(county, tmp_path):
    job_path = tmp_path / "job.yaml"
    job_path.write_text(JOB_YAML, encoding="utf-8")
    out = tmp_path / "out"

    completed = subprocess.run(
        ["/usr/bin/python3", "-m", "tools.run_qgis_process", str(job_path), "--out",
         str(out)],
        cwd=run_qgis_process.REPO_ROOT, capture_output=True, text=True, timeout=300)

    assert completed.returncode == 0, completed.stderr
    assert (out / "result.gpkg").is_file()
    ledger = out / run_qgis_process.LEDGER_NAME
    assert ledger.is_file()
    assert f"台账: {ledger}" in completed.stdout.splitlines()
    assert any(line.startswith("判定") for line in completed.stdout.splitlines())


def test_demo_runner_command_prints_the_summary_and_fails_on_a_bad_job(county, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("patches: {path: data/missing.gpkg}\n", encoding="utf-8")

    completed = subprocess.run(
        ["/usr/bin/python3", "-m", "tools.run_qgis_process", str(bad), "--out",
         str(tmp_path / "out")],
        cwd=run_qgis_process.REPO_ROOT, capture_output=True, text=True, timeout=300)

    assert completed.returncode == 1
    assert "missing.gpkg" in completed.stderr


def test_qgis_process_check_failure_names_layer_and_field(county, tmp_path):
    with pytest.raises(QgisProcessError) as raised:
        run_algorithm("landsupervision:analyselayers", {
            "PATCHES": county["JCTB"], "PATCH_ID_FIELD": "BSM",
            "OUTPUT": str(tmp_path / "patches.gpkg")}, timeout=300)

    message = str(raised.value)
    assert "jctb" in message.lower() and "BSM" in message  # the layer as QGIS names it
    assert not (tmp_path / "patches.gpkg").exists()
