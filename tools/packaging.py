"""Build the installable plugin zip, and keep the translation sources in step with the code.

    /usr/bin/python3 -m tools.packaging --name land_supervision --out dist
    /usr/bin/python3 -m tools.packaging --update-translations

The zip holds one folder, ``<name>/``, laid out as QGIS installs it: the package files of
``plugin/`` with ``metadata.txt`` and ``LICENSE`` beside ``__init__.py``, the compiled ``.qm``
translations, and ``resources/`` (icons, styles, rules, layouts, class tables, the help page,
the demo job and its data). A zip the plugin repository would refuse is not written.
This is a build tool beside the plugin (never in the zip); it imports nothing from QGIS.
"""

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from plugin.identity import PACKAGE_NAME, TRANSLATION_CONTEXT, read_version
from tools.plugin_repository_rules import problems as repository_problems

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_SRC = REPO_ROOT / "plugin"
I18N_DIR = PLUGIN_SRC / "i18n"
TRANSLATION_LOCALES = ("zh_CN",)

# Never shipped, wherever they occur.
EXCLUDED_DIRS = {"__pycache__", "tests", "cache", ".cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo", ".ts", ".qm", ".orig", ".rej", ".part", ".tmp"}


def plugin_version(metadata: Path = REPO_ROOT / "metadata.txt") -> str:
    return read_version(metadata)


def _shipped(path: Path) -> bool:
    """Whether a file is part of the installed plugin, judged by its own name and folders."""
    if any(part in EXCLUDED_DIRS or part.startswith(".") for part in path.parts):
        return False
    return path.suffix not in EXCLUDED_SUFFIXES and not path.name.endswith("~")


def _walk(root: Path):
    """Files under root, sorted, relative to root."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def plugin_files():
    """(source path, path inside the plugin folder) for every file the plugin ships."""
    for rel in _walk(PLUGIN_SRC):
        if _shipped(rel):
            yield PLUGIN_SRC / rel, rel
    yield REPO_ROOT / "metadata.txt", Path("metadata.txt")
    yield REPO_ROOT / "LICENSE", Path("LICENSE")
    resources = REPO_ROOT / "resources"
    for rel in _walk(resources):
        if _shipped(rel):
            yield resources / rel, Path("resources") / rel


def compile_translations(dest_dir: Path) -> list:
    """Compile every ``plugin/i18n/*.ts`` to ``dest_dir/<same name>.qm`` with lrelease.

    Without lrelease an existing ``.qm`` newer than its ``.ts`` is copied instead.
    Returns the written paths.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    lrelease = shutil.which("lrelease")
    written = []
    for ts in sorted(I18N_DIR.glob("*.ts")):
        qm = dest_dir / (ts.stem + ".qm")
        prebuilt = ts.with_suffix(".qm")
        if lrelease:
            subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        elif prebuilt.is_file() and prebuilt.stat().st_mtime >= ts.stat().st_mtime:
            if prebuilt.resolve() != qm.resolve():
                shutil.copy2(prebuilt, qm)
        else:
            raise SystemExit(f"lrelease not found and {prebuilt.name} is missing or stale")
        written.append(qm)
    return written


def build_package(name: str, out_dir: Path, extra=(), suffix="") -> Path:
    """Write ``out_dir/<name>-<version><suffix>.zip`` atomically and return its path.

    ``extra``: more (source path, path inside the plugin folder) entries. The zip is checked
    against the plugin repository's rules before it replaces anything.
    """
    if not name.isidentifier():
        raise SystemExit(f"--name must be a valid Python package name, not {name!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}-{plugin_version()}{suffix}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        qm_files = compile_translations(Path(tmp) / "i18n")
        entries = list(plugin_files()) + [(qm, Path("i18n") / qm.name) for qm in qm_files]
        fd, partial = tempfile.mkstemp(dir=out_dir, prefix=f".{name}-", suffix=".zip.part")
        os.close(fd)
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for source, rel in entries + list(extra):
                    archive.write(source, (Path(name) / rel).as_posix())
            refused = repository_problems(partial)
            if refused:
                raise SystemExit("the plugin repository would refuse the zip:\n  "
                                 + "\n  ".join(refused))
            os.chmod(partial, 0o644)  # mkstemp makes it private; the package is not
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise
    return target


def translatable_strings(source_root: Path = PLUGIN_SRC) -> dict:
    """Every literal passed to ``tr()`` in the plugin's Python files, outside plugin/core.

    Returns {source text: [(file relative to the repository, line), ...]}. A ``tr()`` call
    whose argument is not a plain string literal raises ValueError: it could not be translated.
    """
    found = {}
    for path in sorted(source_root.rglob("*.py")):
        rel = path.relative_to(REPO_ROOT)
        if not _shipped(path.relative_to(source_root)) or "core" in rel.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "tr"):
                continue
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                    or not isinstance(node.args[0].value, str):
                raise ValueError(f"{rel}:{node.lineno}: tr() needs one string literal")
            found.setdefault(node.args[0].value, []).append((rel.as_posix(), node.lineno))
    return found


def read_translations(ts_path: Path) -> dict:
    """{source: translation} of the finished messages in the plugin's context of a .ts file."""
    translations = {}
    if not ts_path.is_file():
        return translations
    for context in ET.parse(ts_path).getroot().iter("context"):
        if context.findtext("name") != TRANSLATION_CONTEXT:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete"):
                continue
            if translation.text:
                translations[message.findtext("source")] = translation.text
    return translations


def update_translation_sources(locale: str) -> Path:
    """Rewrite ``plugin/i18n/land_supervision_<locale>.ts`` from the tr() calls in the code.

    Known translations are kept, new strings are marked unfinished, vanished ones dropped.
    """
    ts_path = I18N_DIR / f"{PACKAGE_NAME}_{locale}.ts"
    known = read_translations(ts_path)
    root = ET.Element("TS", version="2.1", language=locale)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = TRANSLATION_CONTEXT
    for source, locations in sorted(translatable_strings().items()):
        message = ET.SubElement(context, "message")
        # Files only, no line numbers: the .ts changes when strings do, not when code moves.
        for filename in sorted({filename for filename, _line in locations}):
            ET.SubElement(message, "location", filename=f"../../{filename}")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if source in known:
            translation.text = known[source]
        else:
            translation.set("type", "unfinished")
    ET.indent(root)
    fd, partial = tempfile.mkstemp(dir=I18N_DIR, suffix=".ts.part")
    with os.fdopen(fd, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        ET.ElementTree(root).write(f, encoding="utf-8", xml_declaration=False)
        f.write(b"\n")
    os.chmod(partial, 0o644)
    os.replace(partial, ts_path)
    return ts_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.packaging", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=PACKAGE_NAME,
                        help="plugin folder name inside the zip (a Python package name)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist", help="output folder")
    parser.add_argument("--update-translations", action="store_true",
                        help="rewrite plugin/i18n/*.ts from the tr() calls instead of packaging")
    args = parser.parse_args(argv)
    if args.update_translations:
        for locale in TRANSLATION_LOCALES:
            ts_path = update_translation_sources(locale)
            print(f"{ts_path.relative_to(REPO_ROOT)}: {len(translatable_strings())} messages")
        return 0
    print(build_package(args.name, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
