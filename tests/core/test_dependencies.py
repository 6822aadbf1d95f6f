"""The dependency report: which features need which optional module, what this installation
lacks, how to add it in Chinese, and a job refused with that message instead of an ImportError.

Modules are made absent with the import blocker (tests/import_blocker.py), as on a QGIS that
never had them.
"""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugin import dependencies
from plugin.dependencies import (
    ANALYSE,
    DERIVE_CHANGES,
    FEATURES,
    FIELDPACK,
    LEDGER_EXPORT,
    LEDGER_IMPORT,
    MODULES,
    REGION,
    MissingModules,
    Report,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from import_blocker import PRELUDE, child_environment, hidden_modules  # noqa: E402

DEMO_JOB = REPO_ROOT / "resources" / "demo" / "job.yaml"
#: The engine modules each feature's run imports first.
ENTRY_MODULES = {
    ANALYSE.key: ["plugin.core.analysis"],
    LEDGER_EXPORT.key: ["plugin.core.ledger.export"],
    LEDGER_IMPORT.key: ["plugin.core.ledger.imports", "plugin.core.fieldwork.field_import"],
    FIELDPACK.key: ["plugin.core.fieldwork.pack"],
    DERIVE_CHANGES.key: ["plugin.core.changes.derive", "plugin.core.changes.balance"],
}
#: Read through GDAL where it is absent: no feature may need it.
NEVER_NEEDED = {"rasterio"}


def _child(code, hide, timeout=120):
    """Run ``code`` in a fresh interpreter at the repository root with ``hide`` made absent."""
    return subprocess.run([sys.executable, "-c", PRELUDE + "\n" + code], cwd=REPO_ROOT,
                          env=child_environment(hide), capture_output=True, text=True,
                          timeout=timeout)


def test_features_name_only_modules_of_the_table():
    named = {n for f in FEATURES for n in f.needs} | {n for f in FEATURES for n, _ in f.partly}

    assert named <= set(MODULES)
    assert not named & NEVER_NEEDED


def test_a_module_installed_here_is_no_problem():
    assert dependencies.module_problem("shapely") is None


def test_a_hidden_module_is_not_installed():
    with hidden_modules({"openpyxl"}):
        assert dependencies.module_problem("openpyxl") == "未安装"


def test_a_version_older_than_the_minimum_is_a_problem_naming_both(monkeypatch):
    monkeypatch.setattr(dependencies.importlib.metadata, "version", lambda name: "1.7.1")

    problem = dependencies.module_problem("shapely")

    assert "1.7.1" in problem and MODULES["shapely"].minimum in problem


def test_a_too_old_module_is_to_be_upgraded():
    hint = dependencies.install_hint("shapely", platform="win32", upgrade=True)
    report = Report((("shapely", "版本 1.7.1 过旧，需要 1.8 或更新"),))

    assert "python -m pip install --upgrade shapely" in hint
    assert dependencies.install_hint("shapely", upgrade=True) in report.details()


def test_missing_for_lists_what_a_feature_needs_in_its_order():
    with hidden_modules({"shapely", "openpyxl"}):
        assert dependencies.missing_for(LEDGER_EXPORT) == ["openpyxl", "shapely"]
        assert dependencies.missing_for(ANALYSE) == ["shapely"]


def test_require_refuses_in_chinese_with_the_module_and_how_to_add_it():
    with hidden_modules({"openpyxl"}):
        with pytest.raises(MissingModules) as refused:
            dependencies.require(LEDGER_EXPORT)

    text = str(refused.value)
    assert "导出整改台账" in text and "openpyxl" in text and "读写 Excel 台账" in text
    assert dependencies.install_hint("openpyxl") in text


def test_require_lets_a_feature_run_when_nothing_is_missing():
    dependencies.require(ANALYSE)


def test_on_windows_a_module_is_added_in_the_osgeo4w_shell_with_pip():
    hint = dependencies.install_hint("matplotlib", platform="win32")

    assert "OSGeo4W Shell" in hint
    assert "python -m pip install matplotlib" in hint
    # No network at the bureau: wheels fetched elsewhere for this Python and carried in.
    assert "pip download matplotlib --only-binary=:all: --platform win_amd64" in hint
    assert "--no-index --find-links" in hint


def test_on_windows_a_module_the_offline_package_carries_points_to_it():
    hint = dependencies.install_hint("openpyxl", platform="win32")

    assert "python -m pip install openpyxl" in hint
    assert dependencies.OFFLINE_PACKAGE in hint


def test_pillow_is_installed_under_its_distribution_name():
    assert "pip install Pillow" in dependencies.install_hint("PIL", platform="win32")


def test_rasterio_is_never_to_be_pip_installed_into_windows_qgis():
    hint = dependencies.install_hint("rasterio", platform="win32")

    assert "pip install" not in hint
    assert "切勿" in hint and "GDAL" in hint


def test_on_debian_a_module_comes_from_its_debian_package():
    assert "sudo apt install python3-openpyxl" in dependencies.install_hint(
        "openpyxl", platform="linux")


def test_a_complete_installation_is_reported_as_such():
    report = Report(())

    assert report.summary() == "可选 Python 模块齐全，全部功能可用。"
    assert report.blocked() == [] and report.limited() == []


def test_without_openpyxl_the_ledger_features_stop_and_the_rest_still_runs():
    report = Report((("openpyxl", "未安装"),))

    assert [f for f, _names in report.blocked()] == [LEDGER_EXPORT, LEDGER_IMPORT]
    assert [(f, name) for f, _part, name in report.limited()] == [(DERIVE_CHANGES, "openpyxl")]
    details = report.details()
    assert "导出整改台账（缺少 openpyxl）" in details
    assert f"{DERIVE_CHANGES.title}中的耕地进出平衡表 Excel（命令行加 --no-balance 时不需要）：缺少 openpyxl" in details
    still = next(line for line in details.splitlines() if line.startswith("照常可用"))
    assert ANALYSE.title in still and FIELDPACK.title in still
    assert LEDGER_EXPORT.title not in still
    assert dependencies.install_hint("openpyxl") in details


def test_the_summary_names_the_missing_modules_and_the_features_they_stop():
    summary = Report((("openpyxl", "未安装"), ("PIL", "未安装"))).summary()

    assert summary == ("缺少 Python 模块 openpyxl、Pillow：“导出整改台账”、“导入核查结果（整改台账或"
                       "外业核查数据）”暂不可用。详情和安装方法见日志。")


def test_the_summary_counts_the_features_when_many_stop():
    summary = Report((("shapely", "未安装"),)).summary()

    assert summary == "缺少 Python 模块 shapely：5 项功能暂不可用。详情和安装方法见日志。"


def test_a_missing_module_that_only_costs_parts_of_outputs_is_said_so():
    report = Report((("PIL", "未安装"),))

    assert report.summary() == "缺少 Python 模块 Pillow：部分输出暂不可用。详情和安装方法见日志。"
    assert f"  · {LEDGER_EXPORT.title}中的影像缩略图列：缺少 Pillow" in report.details()


def test_rasterio_absent_is_told_apart_as_not_needed():
    with hidden_modules({"rasterio"}):
        report = dependencies.check()

    assert "rasterio" not in report.missing
    assert report.unneeded == ("rasterio",)
    assert report.summary() == "可选 Python 模块齐全，全部功能可用。"
    assert "rasterio：未安装。无需安装" in report.details()


def test_the_region_command_names_only_modules_of_the_table():
    assert set(REGION.needs) <= set(MODULES) and not set(REGION.needs) & NEVER_NEEDED


def test_a_qgis_without_dask_hears_nothing_of_the_region_command_at_load():
    with hidden_modules({"distributed"}):
        report = dependencies.check()

    assert report.problems == () and report.unneeded == ()
    assert report.summary() == "可选 Python 模块齐全，全部功能可用。"
    assert "distributed" not in report.details()


def test_the_region_command_loads_with_every_module_it_does_not_declare_hidden():
    completed = _child("import plugin.core.region.run, plugin.core.region.console",
                       set(MODULES) - set(REGION.needs))

    assert completed.returncode == 0, completed.stderr


def test_the_region_command_without_dask_says_what_to_install_and_exits_2(tmp_path):
    region = tmp_path / "region.yaml"
    region.write_text("counties: [{code: '331001', job: job.yaml}]\n", encoding="utf-8")

    completed = _child(f"import sys; from plugin.cli import main; sys.exit(main(["
                       f"'analyse-region', {str(region)!r}, '--out', {str(tmp_path / 'out')!r}]))",
                       {"distributed"})

    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert REGION.title in completed.stderr
    assert "sudo apt install python3-distributed" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_module_met_during_a_run_is_told_in_chinese():
    text = dependencies.missing_module_text("openpyxl.styles")

    assert "openpyxl（读写 Excel 台账）" in text and dependencies.install_hint("openpyxl") in text


def test_the_plugins_own_modules_are_never_reported_as_optional():
    assert dependencies.missing_module_text("plugin.core.nothing") is None


@pytest.mark.parametrize("feature", [f for f in FEATURES if f is not LEDGER_IMPORT
                                     and f is not FIELDPACK], ids=lambda f: f.key)
def test_a_feature_loads_with_every_module_it_does_not_declare_hidden(feature):
    declared = set(feature.needs) | {name for name, _part in feature.partly}
    hide = set(MODULES) - declared
    imports = "; ".join(f"import {m}" for m in ENTRY_MODULES[feature.key])

    completed = _child(imports, hide)

    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("feature", [LEDGER_IMPORT, FIELDPACK], ids=lambda f: f.key)
def test_an_imagery_feature_loads_without_rasterio(feature):
    declared = set(feature.needs) | {name for name, _part in feature.partly}
    imports = "; ".join(f"import {m}" for m in ENTRY_MODULES[feature.key])

    completed = _child(imports, set(MODULES) - declared)

    assert completed.returncode == 0, completed.stderr


def test_the_command_line_without_shapely_says_what_to_install_and_exits_2(tmp_path):
    completed = _child(f"import sys; from plugin.cli import main; sys.exit(main(["
                       f"'analyse', {str(DEMO_JOB)!r}, '--out', {str(tmp_path)!r}, '-q']))",
                       {"shapely"})

    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "图斑叠加分析与违法判定" in completed.stderr and "shapely" in completed.stderr
    assert dependencies.install_hint("shapely") in completed.stderr
    assert not (tmp_path / "result.gpkg").exists()


def test_the_demo_job_runs_and_exports_its_ledger_without_pandas(tmp_path):
    """pandas is not part of every QGIS install: the engine must not need it."""
    completed = _child(f"import sys; from plugin.cli import main; sys.exit(main(["
                       f"'analyse', {str(DEMO_JOB)!r}, '--out', {str(tmp_path)!r}, '-q']) or "
                       f"main(['ledger', {str(tmp_path / 'result.gpkg')!r}, "
                       f"'--out', {str(tmp_path / 'ledger.xlsx')!r}]))", {"pandas", "geopandas"})

    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "result.gpkg").stat().st_size > 0
    assert (tmp_path / "ledger.xlsx").stat().st_size > 0


def _derive_changes(out, *options):
    data = DEMO_JOB.parent / "data"
    return (f"import sys; from plugin.cli import main; sys.exit(main(['derive-changes', "
            f"'--before', {str(data / 'dltb_2023.gpkg') + ':DLTB'!r}, "
            f"'--after', {str(data / 'dltb_2024.gpkg') + ':DLTB'!r}, "
            f"'--out', {str(out)!r}, '-q', *{list(options)!r}]))")


def test_without_openpyxl_derive_changes_stops_before_writing_unless_told_no_balance(tmp_path):
    refused = _child(_derive_changes(tmp_path / "with"), {"openpyxl"})
    done = _child(_derive_changes(tmp_path / "without", "--no-balance"), {"openpyxl"})

    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "openpyxl（读写 Excel 台账）" in refused.stderr
    assert not (tmp_path / "with").exists()
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "without" / "changes.gpkg").is_file()


def test_a_module_found_missing_during_a_run_ends_the_command_line_with_the_message(
        monkeypatch, capsys):
    from plugin import cli

    def needs_openpyxl(args):
        raise ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl")

    monkeypatch.setattr(cli, "cmd_analyse", needs_openpyxl)

    assert cli.main(["analyse", str(DEMO_JOB), "--out", "unused"]) == 2
    assert dependencies.missing_module_text("openpyxl") in capsys.readouterr().err


def test_a_missing_module_of_the_plugin_itself_is_a_defect_not_a_message(monkeypatch):
    from plugin import cli

    def broken(args):
        raise ModuleNotFoundError("No module named 'plugin.core.gone'", name="plugin.core.gone")

    monkeypatch.setattr(cli, "cmd_analyse", broken)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(["analyse", str(DEMO_JOB), "--out", "unused"])
    # reported as the defect it is (with its traceback in a log), not as a module to install
    assert code == 2
    assert "无法识别的情况" in err.getvalue() and "pip" not in err.getvalue()
    log = err.getvalue().split("技术细节已写入 ")[1].split("，")[0]
    assert "plugin.core.gone" in open(log, encoding="utf-8").read()
    os.unlink(log)


def test_a_worker_ended_by_the_system_is_told_in_chinese_with_what_to_do(monkeypatch, capsys):
    """A worker process killed under the run (out of memory) is no defect of the input: the
    user reads what happened and how to run in one process."""
    from concurrent.futures.process import BrokenProcessPool

    from plugin import cli

    def killed(args):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(cli, "cmd_analyse", killed)
    assert cli.main(["analyse", str(DEMO_JOB), "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert "内存不足" in err and "LAND_SUPERVISION_WORKERS=1" in err
    assert "terminated abruptly" not in err and "Traceback" not in err
