"""Run one of the plugin's algorithms through ``qgis_process`` with the plugin from this checkout.

    /usr/bin/python3 -m tools.run_qgis_process JOB.yaml --out DIR

runs the job-file algorithm (``landsupervision:analyse``) headless in real QGIS, then the
ledger export (``landsupervision:exportledger``) on its result, and prints both summaries:
``DIR/result.gpkg`` and ``DIR/整改台账.xlsx``. ``make demo`` calls it on the demo county. QGIS finds the plugin in a
temporary profile made for the run (a plugin folder of links to ``plugin/``, ``metadata.txt``
beside them, enabled in the profile's settings): the user's own profile is never touched.

This is a development tool, not part of the installed plugin, and imports nothing from QGIS.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from plugin.identity import PACKAGE_NAME as PLUGIN_NAME
from plugin.identity import PROVIDER_ID

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_SRC = REPO_ROOT / "plugin"
LEDGER_NAME = "整改台账.xlsx"
# Variables that would point qgis_process at another profile or plugin folder.
FOREIGN_ENV = ("QGIS_CUSTOM_CONFIG_PATH", "QGIS_PLUGINPATH")


class QgisProcessError(RuntimeError):
    """qgis_process failed; the message holds what it printed."""


def qgis_process_binary():
    """The qgis_process program: $QGIS_PROCESS, else the real binary behind Debian's wrapper.

    Debian's ``qgis_process`` script passes the desktop's ``--noversioncheck``, which the
    binary refuses, so ``qgis_process.bin`` comes first.
    """
    for candidate in (os.environ.get("QGIS_PROCESS"), "qgis_process.bin", "qgis_process"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise QgisProcessError("qgis_process not found: install QGIS (make setup) or set QGIS_PROCESS")


def make_profile(root):
    """A QGIS settings folder under ``root`` whose default profile holds this checkout's plugin,
    enabled. Returns the folder to give as QGIS_CUSTOM_CONFIG_PATH."""
    root = Path(root)
    profile = root / "profiles" / "default"
    plugin_dir = profile / "python" / "plugins" / PLUGIN_NAME
    plugin_dir.mkdir(parents=True)
    for entry in PLUGIN_SRC.iterdir():
        if entry.name != "__pycache__":
            (plugin_dir / entry.name).symlink_to(entry)
    (plugin_dir / "metadata.txt").symlink_to(REPO_ROOT / "metadata.txt")
    settings = profile / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(f"[PythonPlugins]\n{PLUGIN_NAME}=true\n", encoding="utf-8")
    return root


def qgis_process_env(config_path):
    """This process's environment for qgis_process: headless, with the given settings folder."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(config_path)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("PROJ_DATA", "/usr/share/proj")
    return env


def run_algorithm(algorithm, parameters, config_path=None, timeout=None):
    """Run ``algorithm`` (``provider:name``) with ``{NAME: value}`` through qgis_process.

    Returns qgis_process's JSON report (``results``, ``log`` ...). A temporary profile is made
    when ``config_path`` is None. Raises QgisProcessError when the run fails.
    """
    with tempfile.TemporaryDirectory(prefix="land_supervision_qgis_") as temp:
        config = config_path or make_profile(temp)
        command = [qgis_process_binary(), "--json", "run", algorithm, "--"]
        command += [f"{name}={value}" for name, value in parameters.items()]
        completed = subprocess.run(command, env=qgis_process_env(config), capture_output=True,
                                   text=True, timeout=timeout, check=False)
    report = _json_report(completed.stdout)
    if completed.returncode != 0 or report is None:
        raise QgisProcessError(
            f"qgis_process exited {completed.returncode}:\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")
    return report


def _json_report(stdout):
    """The JSON object qgis_process prints (it may follow other lines), or None."""
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        return json.loads(stdout[start:])
    except ValueError:
        return None


def summary_lines(report):
    """What the algorithm reported: its information (the engine's summary), then its warnings
    (the engine's notes: repairs, encodings ...)."""
    log = report.get("log") or {}
    lines = [str(line) for line in log.get("info") or [] if str(line).strip()]
    return lines + [f"提示: {line}" for line in log.get("warning") or [] if str(line).strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m tools.run_qgis_process",
        description="Run a job file, then the ledger export, through qgis_process with this "
                    "checkout's plugin.")
    parser.add_argument("job", help="job file (YAML)")
    parser.add_argument("--out", required=True,
                        help=f"output folder (receives result.gpkg and {LEDGER_NAME})")
    parser.add_argument("--no-ledger", action="store_true", help="only the analysis")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="land_supervision_qgis_") as temp:
            config = make_profile(temp)
            report = run_algorithm(f"{PROVIDER_ID}:analyse",
                                   {"JOB": os.path.abspath(args.job), "OUTPUT_FOLDER": out},
                                   config_path=config)
            lines = summary_lines(report)
            if not args.no_ledger:
                ledger = run_algorithm(f"{PROVIDER_ID}:exportledger",
                                       {"RESULT": report["results"]["OUTPUT_GPKG"],
                                        "OUTPUT": os.path.join(out, LEDGER_NAME)},
                                       config_path=config)
                lines += summary_lines(ledger)
    except QgisProcessError as error:
        print(error, file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
