"""The workspace dock in real QGIS under Xvfb: open the county's job, run it, take screenshots.

As a test it checks what the window shows; as a script it writes the pictures for people:

    .venv/bin/python tests/e2e/test_screenshot_dock.py --out out/screenshots

The county is the bundled demo (resources/demo) when its data is there, otherwise a small
generated county (three townships, a parcel layer, the baselines and ~40 patches).
"""

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "screenshot_dock.py"
NAME = "land_supervision"
SCREEN = "1600x1000x24"
# QGIS 3.22 ships its Chinese interface as zh-Hans (zh_CN would leave QGIS itself in English);
# the plugin takes any zh* language as simplified Chinese.
LANG = "zh-Hans"
DEMO_JOB = Path("resources") / "demo" / "job.yaml"

# ---------------------------------------------------------------------------- generated county

EPSG = 4526  # CGCS2000 3-degree GK zone 38 (114°E), zone prefixed to X
X0, Y0 = 38_520_000.0, 3_400_000.0
CELL = 100.0  # parcel grid, metres
COLUMNS, ROWS = 60, 40  # 6 km x 4 km
TOWNSHIPS = ("城关镇", "河西乡", "石桥镇")
VILLAGES = (("东关村", "南街村", "北门村", "西关村"), ("河西村", "柳树村", "王庄村", "李家村"),
            ("石桥村", "张湾村", "高岭村", "新华村"))


def _parcel_class(i, j, rng):
    """A land class for grid cell (i, j): river, town, roads, villages, hills, farmland."""
    if abs(j - (12 + 4 * math.sin(i / 7))) < 1.2:
        return "1101"  # the river
    if 24 <= i <= 35 and 14 <= j <= 26:
        return rng.choice(("0701", "05H1", "0701", "1004"))  # the town
    if i % 15 == 0 or j % 10 == 0:
        return "1006" if j % 10 else "1003"
    if (i * 7 + j * 3) % 23 == 0:
        return "0702"  # village plots
    if i < 8 and j > 26:
        return rng.choice(("0301", "0301", "0307"))  # hills in the north-west
    return rng.choice(("0101", "0103", "0103", "0103", "0102", "0201"))


def build_county(folder):
    """Write a generated county's layers and job file under ``folder``; returns the job path."""
    from osgeo import ogr, osr
    from shapely.geometry import Polygon, box

    ogr.UseExceptions()
    rng = random.Random(20240607)
    data = Path(folder) / "data"
    data.mkdir(parents=True, exist_ok=True)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)

    def write(name, layer, fields, rows, driver="GPKG"):
        path = data / name
        ds = ogr.GetDriverByName(driver).CreateDataSource(str(path))
        options = ["ENCODING=UTF-8"] if driver == "ESRI Shapefile" else []
        lyr = ds.CreateLayer(layer, srs, ogr.wkbPolygon, options=options)
        for field in fields:
            lyr.CreateField(ogr.FieldDefn(field, ogr.OFTString))
        for geometry, values in rows:
            feature = ogr.Feature(lyr.GetLayerDefn())
            for key, value in values.items():
                feature.SetField(key, value)
            feature.SetGeometry(ogr.CreateGeometryFromWkb(geometry.wkb))
            lyr.CreateFeature(feature)
        ds = None

    def cell(i, j):
        return box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)

    classes = {(i, j): _parcel_class(i, j, rng) for i in range(COLUMNS) for j in range(ROWS)}
    write("dltb_2023.gpkg", "DLTB", ["BSM", "DLBM", "ZLDWMC"], [
        (cell(i, j), {"BSM": f"{n + 1:08d}", "DLBM": code,
                      "ZLDWMC": VILLAGES[i // 20][(i % 20) // 10 + 2 * (j // 20)]})
        for n, ((i, j), code) in enumerate(sorted(classes.items()))])
    farmland = {k for k, code in classes.items() if code.startswith("01")}
    write("yjjbnttb.gpkg", "YJJBNTTB", ["BSM"], [
        (cell(i, j), {"BSM": f"J{n:05d}"}) for n, (i, j) in enumerate(sorted(farmland))
        if (i // 4 + j // 4) % 3 != 0 and not 20 <= i <= 39])
    write("stbhhx.gpkg", "STBHHX", ["HXMC"], [
        (Polygon([(X0, Y0 + 2500), (X0 + 900, Y0 + 2550), (X0 + 1100, Y0 + 3400),
                  (X0 + 700, Y0 + 4000), (X0, Y0 + 4000)]), {"HXMC": "西岭水源涵养生态保护红线"})])
    write("czkfbj.gpkg", "CZKFBJ", ["MC"], [
        (Polygon([(X0 + 2300, Y0 + 1300), (X0 + 3700, Y0 + 1250), (X0 + 3800, Y0 + 2800),
                  (X0 + 2350, Y0 + 2750)]), {"MC": "城关镇城镇开发边界"})])
    write("xzq.gpkg", "CJXZQ", ["XZQDM", "XZMC", "XZQMC"], [
        (box(X0 + t * 2000 + v % 2 * 1000, Y0 + v // 2 * 2000,
             X0 + t * 2000 + v % 2 * 1000 + 1000, Y0 + v // 2 * 2000 + 2000),
         {"XZQDM": f"42011610{t + 1}{v + 1:03d}", "XZMC": town, "XZQMC": VILLAGES[t][v]})
        for t, town in enumerate(TOWNSHIPS) for v in range(4)])

    scenarios = [  # (after class, count, where the patch goes)
        ("0702", 9, "farmland"), ("0601", 6, "farmland"), ("05H1", 3, "town"),
        ("1202", 5, "farmland"), ("0201", 5, "farmland"), ("1104", 3, "farmland"),
        ("1006", 2, "farmland"), ("0602", 2, "hills"), ("0601", 5, "anywhere"),
    ]
    places = {
        "farmland": sorted(farmland),
        "town": [k for k, c in classes.items() if 24 <= k[0] <= 35 and 14 <= k[1] <= 26],
        "hills": [k for k, c in classes.items() if c.startswith("03")],
        "anywhere": sorted(classes),
    }
    patches, approved, facility = [], [], []
    used = set()
    for after, count, where in scenarios:
        for _ in range(count):
            i, j = rng.choice([k for k in places[where] if k not in used])
            used.add((i, j))
            side = rng.choice((14, 20, 25, 30, 40, 55))
            x = X0 + i * CELL + rng.uniform(5, 95 - side)
            y = Y0 + j * CELL + rng.uniform(5, 95 - side)
            skew = rng.uniform(-0.2, 0.2) * side
            geometry = Polygon([(x, y), (x + side, y + skew), (x + side + skew, y + side),
                                (x - skew, y + side)])
            pid = f"4201162024{len(patches) + 1:04d}"
            patches.append((geometry, {"JCBH": pid, "QDLBM": classes[(i, j)], "HDLBM": after,
                                       "XZQDM": "420116"}))
            if after in ("0601", "05H1") and len(approved) < 4 and rng.random() < 0.4:
                approved.append((geometry.buffer(5), {"PZWH": f"鄂政土批〔2023〕{len(approved) + 31}号"}))
            if after == "1202" and len(facility) < 3:
                facility.append((geometry.buffer(3),
                                 {"BABH": f"SSNY-2024-{len(facility) + 1:03d}"}))
    write("jctb.gpkg", "JCTB", ["JCBH", "QDLBM", "HDLBM", "XZQDM"], patches)
    write("pzyd.shp", "pzyd", ["PZWH"], approved, driver="ESRI Shapefile")
    write("ssnyd.gpkg", "SSNYD", ["BABH"], facility)
    write("lsyd.gpkg", "LSYD", ["PZWH"], [])
    job = Path(folder) / "job.yaml"
    shutil.copyfile(REPO_ROOT / DEMO_JOB, job)
    return job


# ---------------------------------------------------------------------------- running QGIS


def install_plugin(profiles_root):
    """Build the plugin zip as ``make package`` does and install it, enabled, in a profile."""
    sys.path.insert(0, str(REPO_ROOT))
    from tools.packaging import build_package

    package = build_package(NAME, Path(profiles_root) / "dist")
    plugins = Path(profiles_root) / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(plugins)
    settings = Path(profiles_root) / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"[PythonPlugins]\n{NAME}=true\n", encoding="utf-8")
    return plugins / NAME


def county_job(plugin_dir, work_dir):
    """The demo county's job when its data is installed with the plugin, else a generated one."""
    demo = plugin_dir / DEMO_JOB
    if (demo.parent / "data").is_dir():
        return demo, "demo"
    return build_county(work_dir / "county"), "generated"


def take_screenshots(out_dir, work_dir, lang=None, timeout=900):
    """Run QGIS with the plugin on the county and return the in-QGIS script's report."""
    out_dir, work_dir, lang = Path(out_dir), Path(work_dir), lang or LANG
    out_dir.mkdir(parents=True, exist_ok=True)
    plugin_dir = install_plugin(work_dir / "qgis")
    job, county = county_job(plugin_dir, work_dir)
    report_path = work_dir / "report.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_PLUGINPATH")}
    env.update(LAND_SUPERVISION_JOB=str(job), LAND_SUPERVISION_SCREENSHOT_DIR=str(out_dir),
               LAND_SUPERVISION_RUNS_DIR=str(work_dir / "runs"),
               LAND_SUPERVISION_PROBE_REPORT=str(report_path))
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", "qgis",
               "--profiles-path", str(work_dir / "qgis"), "--profile", "default",
               "--lang", lang, "--nologo", "--code", str(SCRIPT)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
    if not report_path.exists():
        raise RuntimeError(f"QGIS exited {process.returncode} without a report:\n{stderr[-3000:]}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["county"] = county
    return report


def _result_verdicts(result_path):
    from osgeo import ogr

    ds = ogr.Open(result_path)
    layer = ds.GetLayerByName("patches")
    verdicts = [(f.GetField("patch_id"), f.GetField("verdict")) for f in layer]
    ds = None
    return verdicts


def _pixels(path, points):
    from qgis.PyQt.QtGui import QColor, QImage

    image = QImage(str(path))
    return image.size(), [QColor(image.pixel(x, y)) for x, y in points]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    missing = [tool for tool in ("xvfb-run", "qgis") if shutil.which(tool) is None]
    assert not missing, f"make setup installs these: {missing}"
    work = tmp_path_factory.mktemp("screenshot")
    return take_screenshots(work / "shots", work)


def test_the_dock_runs_the_county_job_in_real_qgis(screenshots):
    report = screenshots
    assert "error" not in report, report["error"]
    assert report["job_opened"] and report["run_started"]
    assert report["ui_language"] == "1 数据"
    assert report["result_layer"]["renderer"] == "RuleRenderer"
    if report["county"] == "demo":
        assert report["result_layer"]["name"] == "示范县 2024 年度卫片执法图斑核查 判定结果"
    assert report["legend_open"]  # the layers panel shows a swatch for every verdict
    assert report["current_tab"] == 2
    verdicts = _result_verdicts(report["result_path"])
    flagged = sorted(pid for pid, verdict in verdicts if verdict in ("违法", "需核实"))
    assert sorted(report["rows"]) == flagged and flagged
    assert report["result_layer"]["features"] == len(verdicts)
    assert report["overall"].startswith(f"共分析 <b>{len(verdicts)}</b> 个图斑")
    assert any(text.startswith(f"共分析 {len(verdicts)} 个图斑") for text in report["messages"])


def test_the_gbk_approvals_are_read_as_gbk_and_the_checks_say_so(screenshots):
    if screenshots["county"] != "demo":
        pytest.skip("only the demo county has a GBK shapefile")
    assert "PZWH" in screenshots["gbk_fields"]
    assert all("〔" in value for value in screenshots["gbk_values"]), screenshots["gbk_values"]
    assert any("已按 GB18030 读取" in text for text in screenshots["problems"])


def test_the_results_can_be_filtered(screenshots):
    chosen = screenshots["filter"]
    assert chosen["rows"] and set(chosen["rows"]) < set(screenshots["rows"])
    assert chosen["summary"].startswith(f"列表中 <b>{len(chosen['rows'])}</b> 个图斑（违法 "
                                        f"{len(chosen['rows'])}，需核实 0）")


def test_the_change_step_hands_its_patches_to_the_workspace(screenshots):
    if screenshots["county"] != "demo":
        pytest.skip("only the demo county has two survey years")
    changes = screenshots["changes"]
    assert changes["count"] > 0
    assert changes["layer"] == changes["patches_role"] == "变化图斑"


def test_the_screenshots_show_the_clicked_patch_in_its_verdict_colour(screenshots):
    shots = {Path(p).name: p for p in screenshots["screenshots"]}
    assert {"dock_data.png", "dock_check.png", "gbk_attributes.png", "dock.png",
            "dock_results_filter.png", "dock_patch.png"} <= set(shots)
    if screenshots["county"] == "demo":
        assert "dock_changes.png" in shots
    # The first row is the most severe patch; clicking it centred the map on it. Around the
    # centre (the label sits on it) the picture shows the 违法 fill of the verdict style, a
    # dark red, not QGIS's random default colour nor the selection's yellow.
    cx, cy = screenshots["canvas_centre"]
    size, colours = _pixels(shots["dock_patch.png"],
                            [(cx + dx, cy + dy) for dx in (-10, 0, 10) for dy in (-10, 8)])
    width, height = map(int, SCREEN.split("x")[:2])
    assert (size.width(), size.height()) == (width, height)
    reds = [c for c in colours if c.red() > 140 and c.green() < 90 and c.blue() < 100]
    assert len(reds) >= 5, [c.name() for c in colours]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "screenshots")
    parser.add_argument("--lang", default=LANG)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="land-supervision-shots-") as work:
        report = take_screenshots(args.out.resolve(), Path(work), lang=args.lang)
    if "error" in report:
        print(report["error"], file=sys.stderr)
        return 1
    for path in report["screenshots"]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
