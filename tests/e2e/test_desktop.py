"""The packaged plugin in real QGIS (desktop under Xvfb, and qgis_process), from a fresh profile."""

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parent / "desktop_probe.py"
NAME = "land_supervision"


def _enable_plugin(profiles):
    """Mark the plugin enabled in the default profile, as the Plugin Manager does."""
    settings = profiles / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"[PythonPlugins]\n{NAME}=true\n", encoding="utf-8")


def _clean_env():
    """This process's environment without what pytest-qgis set for its own QGIS."""
    return {k: v for k, v in os.environ.items()
            if k not in ("QT_QPA_PLATFORM", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_PLUGINPATH")}


def _run(command, env, timeout=180):
    """Run a QGIS command in its own process group; on timeout kill that group, Xvfb included."""
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _run_desktop(profiles, tmp_path, lang):
    """Start QGIS with the plugin enabled in the profile, run the probe, return its report.

    QGIS takes ``--profiles-path`` as the folder that holds ``profiles/``.
    """
    _enable_plugin(profiles)
    report = tmp_path / "report.json"
    env = _clean_env()
    env["LAND_SUPERVISION_PROBE_REPORT"] = str(report)
    completed = _run(
        ["xvfb-run", "-a", "qgis", "--profiles-path", str(profiles.parent), "--profile", "default",
         "--lang", lang, "--nologo", "--code", str(PROBE)],
        env,
    )
    assert report.exists(), f"QGIS exited {completed.returncode}:\n{completed.stderr[-3000:]}"
    result = json.loads(report.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    return result


@pytest.fixture()
def desktop_available():
    missing = [tool for tool in ("xvfb-run", "qgis") if shutil.which(tool) is None]
    assert not missing, f"make setup installs these: {missing}"


def test_qgis_desktop_loads_the_installed_plugin_and_unloads_it_cleanly(
        desktop_available, profiles, tmp_path):
    report = _run_desktop(profiles, tmp_path, "en_US")

    assert report["loaded_at_startup"]
    assert Path(report["module_file"]).parent == profiles / "default" / "python" / "plugins" / NAME
    started = report["started"]
    menu_bar = started["menu_bar"]
    assert menu_bar.count("landSupervisionMenu") == 1
    assert menu_bar.index("landSupervisionMenu") < menu_bar.index("mHelpMenu")
    assert started["menu_titles"] == ["Land Supervision"]
    assert started["toolbars"] == 1
    assert started["algorithm"] == "Patch overlay analysis and violation verdict"
    assert report["reloaded"]
    reloaded = report["after_reload"]
    # Reloading may move the menu (it goes before Help again), but adds nothing.
    assert sorted(reloaded.pop("menu_bar")) == sorted(menu_bar)
    assert reloaded == {k: v for k, v in started.items() if k != "menu_bar"}
    assert report["unloaded"]
    after = report["after_unload"]
    assert "landSupervisionMenu" not in after["menu_bar"]
    assert after["toolbars"] == 0
    assert after["algorithm"] is None


def test_qgis_desktop_in_chinese_shows_the_chinese_menu(desktop_available, profiles, tmp_path):
    report = _run_desktop(profiles, tmp_path, "zh_CN")

    assert report["started"]["menu_titles"] == ["土地监管"]
    assert report["started"]["algorithm"] == "图斑叠加分析与违法判定"


def test_qgis_process_finds_the_algorithm_in_the_profile(profiles):
    # Debian's qgis_process wrapper passes the desktop's --noversioncheck, which the binary
    # refuses; call the binary itself.
    binary = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    assert binary, "make setup installs qgis_process"
    _enable_plugin(profiles)
    env = {**_clean_env(), "QT_QPA_PLATFORM": "offscreen",
           "QGIS_CUSTOM_CONFIG_PATH": str(profiles.parent)}

    completed = _run([binary, "help", "landsupervision:analyse"], env)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "landsupervision:analyse" in completed.stdout
    assert "JOB" in completed.stdout and "OUTPUT_FOLDER" in completed.stdout
