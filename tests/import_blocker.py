"""Make installed modules look absent, the way a QGIS without them would be.

Python's own path finder is wrapped so that it no longer finds the hidden top-level names on
``sys.path``; everything else on the meta path (the plugin's bundled-module finder among it)
still answers. Modules already imported are taken out of ``sys.modules`` for as long as the
names stay hidden, so an ``import`` really goes looking.

    with hidden_modules({"shapely", "openpyxl"}):
        ...                      # import shapely -> ModuleNotFoundError

For a fresh interpreter (``python -c``), :data:`PRELUDE` does the same from the names in the
environment variable ``HIDE_MODULES`` (comma-separated).
"""

import importlib.machinery
import os
import sys
from contextlib import contextmanager

#: Run before anything else in a child interpreter to hide ``$HIDE_MODULES`` there.
PRELUDE = ("import os, sys; sys.path.insert(0, os.environ['BLOCKER_DIR']); "
           "import import_blocker; import_blocker.hide_for_good("
           "set(filter(None, os.environ.get('HIDE_MODULES', '').split(','))))")


class _HidingPathFinder:
    """Python's PathFinder, blind to a few top-level names on ``sys.path``.

    Submodule look-ups (``path`` given) go through unchanged: a package served from elsewhere
    (the bundled folder) finds its own submodules in its own ``__path__``.
    """

    def __init__(self, hidden):
        self.hidden = frozenset(hidden)

    def find_spec(self, fullname, path=None, target=None):
        if path is None and fullname.split(".")[0] in self.hidden:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)

    def invalidate_caches(self):
        importlib.machinery.PathFinder.invalidate_caches()

    def find_distributions(self, *args, **kwargs):
        # importlib.metadata: a hidden module's distribution is absent too.
        found = importlib.machinery.PathFinder.find_distributions(*args, **kwargs)
        return (d for d in found if not _provides(d, self.hidden))


def _provides(distribution, names):
    top_level = distribution.read_text("top_level.txt") or ""
    provided = set(top_level.split()) | {distribution.metadata["Name"] or ""}
    return bool(provided & set(names))


def _forget(names):
    """Take the hidden modules (and their submodules) out of sys.modules; return them."""
    gone = {name: module for name, module in sys.modules.items()
            if name.split(".")[0] in names}
    for name in gone:
        del sys.modules[name]
    return gone


def _install(names):
    sys.meta_path[:] = [_HidingPathFinder(names) if f is importlib.machinery.PathFinder else f
                        for f in sys.meta_path]


def hide_for_good(names):
    """Hide ``names`` for the rest of this interpreter's life."""
    _install(names)
    _forget(names)


@contextmanager
def hidden_modules(names):
    """Inside the block, ``names`` cannot be imported from ``sys.path``; afterwards the
    original finder and the modules imported before come back."""
    saved_meta_path = list(sys.meta_path)
    gone = {}
    try:
        gone = _forget(names)
        _install(set(names))
        yield
    finally:
        sys.meta_path[:] = saved_meta_path
        _forget(names)
        sys.modules.update(gone)
        importlib.invalidate_caches()


def child_environment(names, **extra):
    """Environment variables for a child interpreter started with ``-c PRELUDE; ...``."""
    env = dict(os.environ, BLOCKER_DIR=os.path.dirname(os.path.abspath(__file__)),
               HIDE_MODULES=",".join(sorted(names)))
    env.update(extra)
    return env
