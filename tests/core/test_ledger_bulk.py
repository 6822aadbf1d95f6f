"""A county-sized ledger: over 10,000 rows out and back in within seconds."""

import shutil
import sqlite3
import time

import openpyxl
import pytest
from osgeo import ogr

from plugin.core.ledger.export import export_ledger
from plugin.core.ledger.imports import import_ledger
from test_ledger import build_county

N = 10_200
SECONDS = 20  # per direction; generous for a loaded machine (see the printed timings)
STATUS = ("未整改", "整改中", "已整改", "已销号")


def grow(path, n, fill):
    """Add ``n`` patches to a result, copies of its own patches under new ids, with plain OGR.

    ``fill``: also give each one analysts' values (status, closed, remark).
    """
    ds = ogr.Open(path, update=1)
    layer = ds.GetLayerByName("patches")
    if fill:
        for name in ("ledger_status", "ledger_closed", "ledger_remark"):
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    templates = [f.Clone() for f in layer]
    ds.StartTransaction()
    for k in range(n):
        f = templates[k % len(templates)].Clone()
        f.SetFID(-1)
        f.SetField("patch_id", f"JC{k:06d}")
        f.SetField("verdict", "违法")
        if fill:
            f.SetField("ledger_status", STATUS[k % 4])
            f.SetField("ledger_closed", "是" if k % 4 == 3 else "否")
            f.SetField("ledger_remark", f"第 {k} 号 备注")
        layer.CreateFeature(f)
    ds.CommitTransaction()
    ds = None


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    result = build_county(folder / "county")
    empty, filled = folder / "empty.gpkg", folder / "filled.gpkg"
    shutil.copyfile(result, empty)
    shutil.copyfile(result, filled)
    grow(str(empty), N, fill=False)
    grow(str(filled), N, fill=True)
    return str(empty), str(filled)


def test_ten_thousand_rows_go_out_and_come_back_in(big, tmp_path):
    empty, filled = big
    ledger = tmp_path / "台账.xlsx"
    start = time.monotonic()
    report = export_ledger(filled, str(ledger))
    export_seconds = time.monotonic() - start
    assert report.rows >= N

    fresh = tmp_path / "result.gpkg"
    shutil.copyfile(empty, fresh)
    start = time.monotonic()
    imported = import_ledger(str(ledger), str(fresh))
    import_seconds = time.monotonic() - start
    print(f"\n{report.rows} rows: export {export_seconds:.1f} s, import {import_seconds:.1f} s")

    assert imported.written and not imported.errors
    assert imported.check.matched == report.rows and imported.check.changed_patches == N
    con = sqlite3.connect(fresh)
    try:
        closed = dict(con.execute("SELECT ledger_closed, count(*) FROM patches "
                                  "WHERE patch_id LIKE 'JC%' GROUP BY 1"))
        remark = con.execute("SELECT ledger_remark FROM patches WHERE patch_id = 'JC000123'").fetchone()
    finally:
        con.close()
    assert closed == {"是": N // 4, "否": N - N // 4}
    assert remark == ("第 123 号 备注",)
    summary = openpyxl.load_workbook(ledger, read_only=True)["汇总"].iter_rows(values_only=True)
    totals = [r for r in summary if r and r[0] == "合计"]
    assert [t[1] for t in totals] == [report.rows] * 3  # by township, by village, by type
    assert export_seconds < SECONDS and import_seconds < SECONDS
