"""The offline package's private module folder: served only for what the system lacks, and a
compiled wheel only to the interpreter it was built for.

Each behaviour runs in a fresh interpreter over a bundle folder built in the test, so nothing
leaks into this test session's imports.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugin.bundled import MANIFEST_NAME, runs_here

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from import_blocker import PRELUDE, child_environment  # noqa: E402

HERE = f"cp{sys.version_info.major}{sys.version_info.minor}"
PURE = "py3-none-any"


def _bundle(folder, wheels):
    """A bundle folder with one package per module: {module: wheel tag}."""
    for module, _tag in wheels.items():
        package = folder / module
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("WHERE = 'bundle'\n")
        (package / "part.py").write_text("VALUE = 42\n")
    manifest = {"platform": "test", "python": "test", "wheels": [
        {"distribution": module, "version": "1.0", "wheel": f"{module}.whl", "tag": tag,
         "modules": [module], "license": "MIT"} for module, tag in wheels.items()]}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))
    return folder


def _child(code, hide=()):
    completed = subprocess.run([sys.executable, "-c", PRELUDE + "\n" + code], cwd=REPO_ROOT,
                               env=child_environment(set(hide)), capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


def test_a_module_the_system_lacks_comes_from_the_bundle_with_its_submodules(tmp_path):
    folder = _bundle(tmp_path / "bundled", {"zz_bundled_probe": PURE})

    out = _child(f"from plugin.bundled import use_bundled_modules; "
                 f"print(*use_bundled_modules({str(folder)!r})); "
                 f"import zz_bundled_probe.part as p; import zz_bundled_probe as z; "
                 f"print(z.WHERE, p.VALUE, z.__file__.startswith({str(folder)!r}))")

    assert out == ["zz_bundled_probe", "bundle", "42", "True"]


def test_a_module_the_system_has_is_never_taken_from_the_bundle(tmp_path):
    folder = _bundle(tmp_path / "bundled", {"yaml": PURE})

    out = _child(f"from plugin.bundled import stand_ins, use_bundled_modules; "
                 f"names = use_bundled_modules({str(folder)!r}); print(len(stand_ins(names))); "
                 f"import yaml; print(hasattr(yaml, 'WHERE'), yaml.__file__.startswith('/usr'))")

    assert out == ["0", "False", "True"]


def test_a_hidden_system_module_is_served_from_the_bundle_instead(tmp_path):
    folder = _bundle(tmp_path / "bundled", {"yaml": PURE})

    out = _child(f"from plugin.bundled import stand_ins, use_bundled_modules; "
                 f"print(*stand_ins(use_bundled_modules({str(folder)!r}))); "
                 f"import yaml; print(yaml.WHERE)", hide={"yaml"})

    assert out == ["yaml", "bundle"]


def test_a_compiled_wheel_for_another_interpreter_is_not_served(tmp_path):
    folder = _bundle(tmp_path / "bundled", {"zz_windows_only": "cp312-cp312-win_amd64",
                                            "zz_pure": PURE})

    out = _child(f"from plugin.bundled import use_bundled_modules; "
                 f"print(*use_bundled_modules({str(folder)!r})); "
                 f"import importlib.util; "
                 f"print(importlib.util.find_spec('zz_windows_only') is None)")

    assert out == ["zz_pure", "True"]


def test_using_the_bundle_twice_installs_one_finder(tmp_path):
    folder = _bundle(tmp_path / "bundled", {"zz_bundled_probe": PURE})

    out = _child(f"import sys; from plugin.bundled import use_bundled_modules; "
                 f"use_bundled_modules({str(folder)!r}); use_bundled_modules({str(folder)!r}); "
                 f"print(sum(hasattr(f, 'bundle_folder') for f in sys.meta_path))")

    assert out == ["1"]


def test_without_a_bundle_nothing_changes(tmp_path):
    out = _child(f"import sys; n = len(sys.meta_path); from plugin.bundled import "
                 f"use_bundled_modules; print(len(use_bundled_modules({str(tmp_path)!r})), "
                 f"len(sys.meta_path) - n)")

    assert out == ["0", "0"]


@pytest.mark.parametrize("tag, fits", [
    ("py3-none-any", True),
    ("py2.py3-none-any", True),
    (f"{HERE}-{HERE}-manylinux_2_17_x86_64.manylinux2014_x86_64", True),
    ("cp38-abi3-manylinux2014_x86_64", True),
    ("cp312-cp312-win_amd64", False),
    (f"{HERE}-{HERE}-macosx_11_0_arm64", False),
    ("cp399-abi3-manylinux2014_x86_64", False),
    ("cp27-cp27m-manylinux1_x86_64", False),
])
def test_wheel_tags_are_read_for_this_linux_x86_64_interpreter(tag, fits):
    assert runs_here(tag) is fits
