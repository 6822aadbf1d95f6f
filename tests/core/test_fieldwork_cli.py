"""``python -m plugin.cli fieldpack``: the field pack from the command line, exit codes."""

from pathlib import Path

import pytest

from plugin.cli import main
from plugin.core.analysis import run_analysis
from plugin.core.job import load_job

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    return run_analysis(load_job(str(DEMO / "job.yaml")),
                        str(tmp_path_factory.mktemp("demo"))).result_path


def test_fieldpack_writes_the_mobile_data_and_the_chips(demo_result, tmp_path, capsys):
    out = tmp_path / "pack"
    code = main(["fieldpack", demo_result, "--out", str(out), "-q", "--no-qgis",
                 "--before", str(DEMO / "data" / "before.tif"),
                 "--after", str(DEMO / "data" / "after.tif")])
    assert code == 0
    assert {p.name for p in out.iterdir()} >= {"核查图斑.gpkg", "核查图斑.kml", "核查图斑.kmz", "chips"}
    assert len(list((out / "chips").glob("*_前时相.png"))) == len(list((out / "chips").glob("*_后时相.png")))
    assert "外业核查图斑" in capsys.readouterr().out


def test_fieldpack_without_images_writes_no_chips(demo_result, tmp_path):
    assert main(["fieldpack", demo_result, "--out", str(tmp_path), "-q", "--no-qgis"]) == 0
    assert not (tmp_path / "chips").exists()


def test_fieldpack_on_a_missing_result_exits_2(tmp_path, capsys):
    assert main(["fieldpack", str(tmp_path / "nope.gpkg"), "--out", str(tmp_path / "p")]) == 2
    assert "结果文件不存在" in capsys.readouterr().err
