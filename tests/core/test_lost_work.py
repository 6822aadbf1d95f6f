"""No edit is lost: a result updated by two imports at once, a result reached through a link,
derive-changes meeting a full disk, and a killed run's leftovers."""

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys

import openpyxl
import pytest
from osgeo import ogr

from hostile_inputs import base_county, write_job
from ledger_sheet import data_rows, headers
from test_hostile_inputs import run_cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "resources", "demo", "data")


@pytest.fixture
def result(tmp_path):
    job = write_job(str(tmp_path), base_county(str(tmp_path)))
    assert run_cli(["analyse", job, "--out", str(tmp_path / "out"), "-q"])[0] == 0
    return tmp_path / "out" / "result.gpkg"


def filled_ledger(result, path, value="属实"):
    assert run_cli(["ledger", str(result), "--out", str(path), "-q"])[0] == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["整改台账"]
    ws.cell(data_rows(ws)[0], headers(ws)["核查结果"]).value = value
    wb.save(path)
    return path


def checked(result):
    ds = ogr.Open(str(result))
    return {f["patch_id"]: f["ledger_check_result"] for f in ds.GetLayerByName("patches")
            if f.GetFieldIndex("ledger_check_result") >= 0 and f["ledger_check_result"]}


def test_an_import_while_another_holds_the_result_is_refused_and_changes_nothing(result, tmp_path):
    ledger = filled_ledger(result, tmp_path / "a.xlsx")
    before = hashlib.sha256(result.read_bytes()).hexdigest()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "out" / "result.gpkg.lock").write_text(f"{holder.pid}\n2026-12-07T10:00:00\n导入 b.xlsx\n")
        code, _, err = run_cli(["import-ledger", str(ledger), str(result), "-q"])
    finally:
        holder.kill()
        holder.wait()
    assert code == 2 and "正被另一项操作使用" in err and str(holder.pid) in err
    assert hashlib.sha256(result.read_bytes()).hexdigest() == before


def test_a_lock_left_by_a_killed_import_is_taken_over(result, tmp_path):
    ledger = filled_ledger(result, tmp_path / "a.xlsx")
    (tmp_path / "out" / "result.gpkg.lock").write_text(f"{2 ** 22 + 7}\n2026-12-07T10:00:00\n导入\n")
    code, out, err = run_cli(["import-ledger", str(ledger), str(result), "-q"])
    assert code == 0, err
    assert list(checked(result).values()) == ["属实"]
    assert not (tmp_path / "out" / "result.gpkg.lock").exists()


def test_two_imports_in_a_row_both_land(result, tmp_path):
    first = filled_ledger(result, tmp_path / "a.xlsx")
    assert run_cli(["import-ledger", str(first), str(result), "-q"])[0] == 0
    second = tmp_path / "b.xlsx"
    assert run_cli(["ledger", str(result), "--out", str(second), "-q"])[0] == 0
    wb = openpyxl.load_workbook(second)
    ws = wb["整改台账"]
    ws.cell(data_rows(ws)[1], headers(ws)["核查结果"]).value = "不属实"
    wb.save(second)
    assert run_cli(["import-ledger", str(second), str(result), "-q"])[0] == 0
    assert sorted(checked(result).values()) == ["不属实", "属实"]


def test_a_result_reached_through_a_link_is_updated_and_stays_a_link(result, tmp_path):
    link = tmp_path / "link.gpkg"
    os.symlink(result, link)
    ledger = filled_ledger(link, tmp_path / "a.xlsx")
    code, _, err = run_cli(["import-ledger", str(ledger), str(link), "-q"])
    assert code == 0, err
    assert os.path.islink(link) and os.path.realpath(link) == str(result)
    assert list(checked(result).values()) == ["属实"]


def _derive(out, limit_bytes=None):
    """derive-changes on the demo county in a child process, its file size limited (a full
    disk as the writer meets it: a write past the limit fails with EFBIG)."""
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "plugin.cli", "derive-changes",
         "--before", os.path.join(DEMO, "dltb_2023.gpkg") + ":DLTB",
         "--after", os.path.join(DEMO, "dltb_2024.gpkg") + ":DLTB", "--out", str(out), "-q"],
        cwd=REPO, capture_output=True, text=True, preexec_fn=limited if limit_bytes else None,
        env=dict(os.environ, PROJ_DATA="/usr/share/proj"), timeout=300)


@pytest.mark.skipif(not os.path.exists(os.path.join(DEMO, "dltb_2023.gpkg")),
                    reason="demo county data missing")
def test_derive_changes_on_a_full_disk_leaves_the_old_outputs_all_of_them(tmp_path):
    out = tmp_path / "changes"
    assert _derive(out).returncode == 0
    before = {p: hashlib.sha256((out / p).read_bytes()).hexdigest() for p in os.listdir(out)}
    assert {"changes.gpkg", "balance.xlsx"} <= set(before)
    failed = _derive(out, limit_bytes=60_000)  # the workbook fits; the chart, the GeoPackage not
    assert failed.returncode == 2, failed.stderr
    assert "无法写出文件" in failed.stderr and "Traceback" not in failed.stderr
    after = {p: hashlib.sha256((out / p).read_bytes()).hexdigest() for p in os.listdir(out)}
    assert after == before  # no new file, no half file, no temporary folder left


def test_a_crashed_run_does_not_leave_a_traceback_but_a_log(tmp_path, monkeypatch):
    import plugin.core.analysis as analysis

    def broken(*args, **kwargs):
        raise ZeroDivisionError("simulated defect")

    monkeypatch.setattr(analysis, "_attribute_admin", broken)
    job = write_job(str(tmp_path), base_county(str(tmp_path)))
    code, _, err = run_cli(["analyse", job, "--out", str(tmp_path / "out"), "-q"])
    assert code == 2 and "Traceback" not in err and "ZeroDivisionError" in err
    log = err.split("技术细节已写入 ")[1].split("，")[0]
    assert "simulated defect" in open(log, encoding="utf-8").read()
    os.unlink(log)
    assert not (tmp_path / "out" / "result.gpkg").exists()
    shutil.rmtree(tmp_path / "out")


def test_a_files_hash_is_remembered_only_while_the_file_is_unchanged(tmp_path):
    import hashlib
    import os

    from plugin.core.io.hashing import file_sha256

    path = tmp_path / "layer.gpkg"
    path.write_bytes(b"one")
    assert file_sha256(str(path)) == hashlib.sha256(b"one").hexdigest()
    path.write_bytes(b"two, longer")  # size and time change: read again
    assert file_sha256(str(path)) == hashlib.sha256(b"two, longer").hexdigest()
    stat = os.stat(path)
    path.write_bytes(b"six, longer")  # same size, the time a nanosecond on: read again
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert file_sha256(str(path)) == hashlib.sha256(b"six, longer").hexdigest()
