"""The engine's layout keeps its promises, read from the sources' own import statements (not by
trying to import them, which would pass whenever QGIS happens to be absent)."""

import ast
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
CORE = PLUGIN / "core"
# Outside the engine, the core may use only these pure-Python modules of the plugin.
CORE_MAY_USE = {"plugin.identity", "plugin.paths"}
FORBIDDEN_ROOTS = {"qgis", "PyQt5", "PyQt6", "sip", "PyQt", "processing"}


def _module_name(path):
    parts = list(path.relative_to(PLUGIN.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, module=None):
    """Every module a source file imports, resolved to absolute names (nested imports too);
    ``module``: the file's dotted name when it is not under plugin/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (module or _module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def _sources(root):
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _sources(CORE), ids=lambda p: str(p.relative_to(PLUGIN)))
def test_no_core_module_imports_qgis_or_qt(path):
    bad = [m for m in _imports(path) if m.split(".")[0] in FORBIDDEN_ROOTS]
    assert not bad, f"{path.relative_to(PLUGIN)} imports {bad}"


def test_the_core_reaches_outside_itself_only_for_pure_modules():
    outside = {(str(p.relative_to(PLUGIN)), m) for p in _sources(CORE) for m in _imports(p)
               if m.startswith("plugin.") and not m.startswith("plugin.core")
               and m not in CORE_MAY_USE}
    assert not outside
    for name in CORE_MAY_USE:
        path = PLUGIN.parent / (name.replace(".", "/") + ".py")
        assert not [m for m in _imports(path) if m.split(".")[0] in FORBIDDEN_ROOTS]


def test_the_detector_sees_a_qgis_import(tmp_path):
    """The scan itself: nested, aliased and relative forms are all seen."""
    sample = tmp_path / "probe.py"
    sample.write_text("def f():\n    from qgis.core import QgsProject as P\n"
                      "    import PyQt5.QtCore\n    from .. import identity\n")
    found = set(_imports(sample, module="plugin.core.probe"))
    assert found == {"qgis.core", "PyQt5.QtCore", "plugin"}


def test_capability_folders_of_the_core_import_each_other_without_a_cycle():
    folders = {p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    edges = {f: set() for f in folders}
    for path in _sources(CORE):
        rel = path.relative_to(CORE).parts
        if len(rel) < 2:
            continue
        for m in _imports(path):
            parts = m.split(".")
            if parts[:2] == ["plugin", "core"] and len(parts) > 2 and parts[2] in folders \
                    and parts[2] != rel[0]:
                edges[rel[0]].add(parts[2])
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", f"import cycle: {' → '.join(trail + [node])}"
        state[node] = "open"
        for nxt in sorted(edges[node]):
            visit(nxt, trail + [node])
        state[node] = "done"

    for folder in sorted(folders):
        visit(folder, [])


def test_processing_holds_the_provider_the_base_class_and_algorithms_only():
    names = {p.name for p in (PLUGIN / "processing").glob("*.py")}
    others = {n for n in names if not n.endswith("_algorithm.py")}
    assert others == {"__init__.py", "provider.py"}
    assert "base_algorithm.py" in names


def test_only_the_region_cluster_imports_dask():
    """dask is optional for the plugin (the command line's region runs alone need it)."""
    importers = {str(p.relative_to(PLUGIN)) for p in _sources(PLUGIN)
                 if any(m and m.split(".")[0] in {"dask", "distributed"} for m in _imports(p))}
    assert importers == {"core/region/cluster.py"}


def test_no_module_of_the_plugin_imports_a_developer_tool():
    for path in _sources(PLUGIN):
        assert not [m for m in _imports(path) if m and m.split(".")[0] in {"tools", "bench"}], path
