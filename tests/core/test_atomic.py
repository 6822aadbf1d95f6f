"""Outputs replace their target whole or not at all (plugin.core.io.atomic.replacing)."""

import os

import pytest

from plugin.core.io.atomic import replacing


def test_the_target_is_replaced_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with replacing(str(target), ".xlsx") as tmp:
            open(tmp, "w").write("half")
            open(tmp + "-journal", "w").write("sqlite")
            raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]
    with replacing(str(target), ".xlsx") as tmp:
        open(tmp, "w").write("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    mask = os.umask(0o022)
    try:
        with replacing(str(tmp_path / "new.png"), ".png") as tmp:
            open(tmp, "w").write("x")
        assert os.stat(tmp_path / "new.png").st_mode & 0o777 == 0o644  # not mkstemp's 0600
        kept = tmp_path / "kept.gpkg"
        kept.write_text("old")
        os.chmod(kept, 0o640)
        with replacing(str(kept), ".gpkg") as tmp:
            open(tmp, "w").write("new")
        assert os.stat(kept).st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)
