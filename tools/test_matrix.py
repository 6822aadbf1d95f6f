"""Run the engine's tests (tests/core) on newer shapely and geopandas than Debian's, each leg in
a throw-away venv, never in the runtime.

    /usr/bin/python3 -m tools.test_matrix [--leg shapely-2.0]

QGIS 3.34 and later ship shapely 2 on Windows; Debian's runtime here has shapely 1.8. Each leg
makes a venv over the system's site-packages (GDAL's ``osgeo``, numpy, pyproj come from Debian,
so numpy is pinned to the system's: osgeo is built against it), pip-installs the leg's pins and
the test tools, checks the versions that load, runs ``pytest tests/core`` with shapely's
deprecation warnings as errors, and deletes the venv. Exits non-zero when any leg fails.
This is a developer tool (never in the zip).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: leg name -> pip requirements. shapely 2.0.x is what QGIS 3.34-3.40 ship on Windows.
LEGS = {
    "shapely-2.0": ["shapely==2.0.6", "geopandas==1.0.1"],
    "shapely-2.1": ["shapely==2.1.2", "geopandas==1.1.1"],
}
TEST_TOOLS = ("pytest", "hypothesis")


def _pinned_test_tools():
    """The pins of requirements-test.txt for the tools tests/core needs."""
    pins = []
    for line in (REPO_ROOT / "requirements-test.txt").read_text().splitlines():
        name = re.split(r"[=<>\s]", line.strip(), maxsplit=1)[0]
        if name in TEST_TOOLS:
            pins.append(line.split("#")[0].strip())
    return pins


def _run(command, **kwargs):
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.run(command, **kwargs)


def run_leg(name, requirements, pytest_args):
    """Build the leg's venv, run tests/core in it; the pytest exit code."""
    import numpy  # the system's: osgeo in the venv is built against it

    with tempfile.TemporaryDirectory(prefix=f"test-matrix-{name}-") as tmp:
        venv = Path(tmp) / "venv"
        python = venv / "bin" / "python"
        _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text(f"numpy=={numpy.__version__}\n")
        _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-c", constraints, *requirements, *_pinned_test_tools()], check=True)
        expected = {r.split("==")[0]: r.split("==")[1] for r in requirements}
        probe = "import json, shapely, geopandas, numpy; print(json.dumps({" \
                "'shapely': shapely.__version__, 'geopandas': geopandas.__version__, " \
                "'numpy': numpy.__version__}))"
        loaded = _run([python, "-c", probe], check=True, capture_output=True, text=True).stdout
        print(f"[{name}] loaded: {loaded.strip()}", flush=True)
        for module, version in expected.items():
            if f'"{module}": "{version}"' not in loaded:
                print(f"[{name}] {module} {version} did not load", file=sys.stderr)
                return 1
        env = dict(os.environ, PROJ_DATA=os.environ.get("PROJ_DATA", "/usr/share/proj"))
        return _run([python, "-m", "pytest", "tests/core", "-p", "no:pytest_qgis", "-q",
                     "-p", "no:cacheprovider",
                     "-W", "error::shapely.errors.ShapelyDeprecationWarning", *pytest_args],
                    cwd=REPO_ROOT, env=env).returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.test_matrix", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leg", action="append", choices=sorted(LEGS),
                        help="run only this leg (repeatable); default: every leg")
    args, pytest_args = parser.parse_known_args(argv)
    results = {name: run_leg(name, LEGS[name], pytest_args) for name in args.leg or LEGS}
    for name, code in results.items():
        print(f"[{name}] {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
