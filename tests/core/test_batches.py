"""Batch after batch (plugin/core/batches): a new batch matched to the previous batch's result,
the ledger state carried forward, repeated and reopened patches marked, 汇总 by delivery and by
first batch.

The first batch's ledger state is typed into its exported ledger and imported, as analysts do;
the second batch must come out with exactly those values. Overlaps are worked out here with
shapely from the squares drawn, never taken from the engine.
"""

from pathlib import Path

import openpyxl
import pytest
from osgeo import ogr

from layer_factory import square, write_layer
from ledger_sheet import data_rows, headers, sheet_records, summary_blocks
from plugin import cli
from plugin.core.analysis import run_analysis
from plugin.core.errors import InputError
from plugin.core.job import job_from_dict, load_job
from plugin.core.ledger.columns import ANALYST_COLUMNS
from plugin.core.ledger.export import export_ledger
from plugin.core.ledger.imports import import_ledger

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
ANALYST_HEADERS = [c.header for c in ANALYST_COLUMNS]


def fill_in(ledger, out, values):
    """A copy of the ledger with analysts' cells typed in: {patch id: {header: value}}."""
    wb = openpyxl.load_workbook(ledger)
    ws = wb["整改台账"]
    names = headers(ws)
    for r in data_rows(ws):
        for header, value in values.get(ws.cell(r, names["图斑编号"]).value, {}).items():
            ws.cell(r, names[header]).value = value
    wb.save(out)
    return str(out)


def patches_of(path):
    ds = ogr.Open(str(path))
    return {f["patch_id"]: f.items() for f in ds.GetLayerByName("patches")}


def notes_of(path):
    ds = ogr.Open(str(path))
    return [(f["feature"], f["message"], f["kind"]) for f in ds.GetLayerByName("notes")]


def demo_state(ids):
    """Analysts' values for the demo's flagged patches: every column on some patch, one patch
    closed (销号)."""
    out = {}
    for n, pid in enumerate(sorted(ids)):
        out[pid] = {"核查结果": ("属实", "部分属实", "不属实")[n % 3], "现场现状": "已建成",
                    "核查人": f"核查员{n}", "核查日期": f"2024-11-{n % 28 + 1:02d}",
                    "用地主体": f"用地主体{n}", "整改措施": "拆除复耕", "整改时限": "2025-06-30",
                    "责任单位": "河口镇人民政府", "整改进展": ("未整改", "整改中", "已整改")[n % 3],
                    "是否销号": "否", "是否立案": "是", "立案号": f"示自然资罚〔2024〕{n}号",
                    "罚没款(元)": 1200.5 + n, "拆除面积(亩)": 0.25, "追责人数": n % 3,
                    "整改完成时间": "2025-01-15", "备注": f"第{n}个图斑，含“引号”与换行\n第二行"}
    closed = sorted(ids)[0]
    out[closed].update({"整改进展": "已销号", "是否销号": "是"})
    return out, closed


@pytest.fixture(scope="module")
def demo_batches(tmp_path_factory):
    """The demo analysed, its ledger filled in and imported (batch 1), then the demo sent
    again with batch 1 as the previous batch (batch 2), and batch 2's ledger."""
    folder = tmp_path_factory.mktemp("batches")
    first = run_analysis(load_job(str(DEMO / "job.yaml")), str(folder / "b1")).result_path
    ledger = folder / "台账1.xlsx"
    export_ledger(first, str(ledger))
    flagged = [r["图斑编号"] for r in sheet_records(ledger)]
    state, closed = demo_state(flagged)
    filled = fill_in(ledger, folder / "台账1-填写.xlsx", state)
    report = import_ledger(filled, first)
    assert report.written and not report.errors
    job = load_job(str(DEMO / "job.yaml"))
    job.previous = job_from_dict({"patches": {"path": "x"}, "previous": first},
                                 base_dir=str(folder)).previous
    second = run_analysis(job, str(folder / "b2")).result_path
    ledger2 = folder / "台账2.xlsx"
    export_ledger(second, str(ledger2))
    return first, second, filled, ledger2, closed


def test_a_second_batch_over_the_demo_inherits_the_edited_ledger_state_exactly(demo_batches):
    first, second, _, _, closed = demo_batches
    before, after = patches_of(first), patches_of(second)
    fields = [c.field for c in ANALYST_COLUMNS]
    for pid, row in before.items():
        want = {f: row[f] for f in fields}
        if pid == closed:
            want["ledger_closed"] = want["ledger_status"] = None
        assert {f: after[pid][f] for f in fields} == want, pid
    assert sum(1 for r in before.values() if r["ledger_check_result"]) > 40


def test_the_second_batchs_ledger_shows_the_first_batchs_cells(demo_batches):
    _, _, filled, ledger2, closed = demo_batches
    typed = {r["图斑编号"]: r for r in sheet_records(filled)}
    shown = {r["图斑编号"]: r for r in sheet_records(ledger2)}
    assert shown.keys() == typed.keys()
    for pid, row in typed.items():
        skip = ("整改进展", "是否销号") if pid == closed else ()
        assert {h: shown[pid][h] for h in ANALYST_HEADERS if h not in skip} == \
            {h: row[h] for h in ANALYST_HEADERS if h not in skip}, pid


def test_the_ledger_names_the_previous_batch_and_id(demo_batches):
    first, _, _, ledger2, closed = demo_batches
    batches = {pid: r["batch"] for pid, r in patches_of(first).items()}
    for row in sheet_records(ledger2):
        pid = row["图斑编号"]
        assert row["上一批次图斑编号"] == pid
        assert row["上一批次"] == batches[pid]
        assert row["首次下发批次"] == batches[pid]
        assert row["下发情况"] == ("重复下发(上批已销号)" if pid == closed else "重复下发")


def test_a_patch_closed_before_and_sent_again_is_flagged_not_closed(demo_batches):
    _, second, _, ledger2, closed = demo_batches
    row = next(r for r in sheet_records(ledger2) if r["图斑编号"] == closed)
    assert row["是否销号"] is None and row["整改进展"] is None
    assert "已销号" in row["重复下发说明"] and "重新核查" in row["重复下发说明"]
    assert any(f == closed and "已销号" in m and k == "warning" for f, m, k in notes_of(second))


def test_the_summary_separates_new_and_repeated_patches_and_clears_across_batches(demo_batches):
    _, _, _, ledger2, _ = demo_batches
    rows = sheet_records(ledger2)
    blocks = summary_blocks(ledger2)
    _, by_delivery, total = blocks["按下发情况汇总"]
    assert {r[next(iter(r))]: r["图斑数(个)"] for r in by_delivery} == \
        {"重复下发": len(rows) - 1, "重复下发(上批已销号)": 1}
    _, by_batch, _ = blocks["按首次下发批次汇总"]
    for r in by_batch:
        members = [x for x in rows if x["首次下发批次"] == r[next(iter(r))]]
        assert r["图斑数(个)"] == len(members)
        assert r["销号图斑(个)"] == sum(1 for x in members if x["是否销号"] == "是")
    assert total["图斑数(个)"] == len(rows)


# A drawn pair of batches: batch 1 squares, batch 2 squares placed against them.
FIRST = {"S1": square(0, 0, 100), "S2": square(1000, 0, 100), "S3": square(2000, 0, 300),
         "S4": square(3000, 0, 100), "S5": square(4000, 0, 100), "S6": square(4080, 0, 20)}
SECOND = {"N1": square(40, 0, 100),     # 60 % of S1 and of itself
          "N2": square(1070, 0, 100),   # 30 % of either: new
          "N3": square(2100, 100, 100),  # all of itself, 11 % of S3 (closed before)
          "N4": square(5000, 0, 100),   # nothing before
          "N5": square(4010, 0, 100)}   # 90 % of S5 and all of S6
STATE = {"S1": {"ledger_check_result": "属实", "ledger_land_user": "张三"},
         "S3": {"ledger_check_result": "属实", "ledger_status": "已销号", "ledger_closed": "是"},
         "S5": {"ledger_land_user": "甲"}, "S6": {"ledger_land_user": "乙"}}


def drawn_job(folder, name, patches, previous=None, epsg=4529):
    write_layer(str(folder / f"{name}.gpkg"), list(patches.values()),
                [{"JCBH": k, "QDLBM": "0101", "HDLBM": "0702", "PC": name} for k in patches],
                layer="JCTB", epsg=epsg)
    data = {"patches": {"path": f"{name}.gpkg", "id_field": "JCBH", "before_field": "QDLBM",
                        "after_field": "HDLBM"}}
    if previous:
        data["previous"] = previous
    return job_from_dict(data, base_dir=str(folder))


@pytest.fixture(scope="module")
def drawn_first(tmp_path_factory):
    from plugin.core.ledger.result_access import read_result, write_analyst_values
    folder = tmp_path_factory.mktemp("drawn")
    path = run_analysis(drawn_job(folder, "第一批", FIRST), str(folder / "b1"),
                        job_workers=1).result_path
    result = read_result(path)
    write_analyst_values(result, {p["fid"]: STATE[p["patch_id"]] for p in result.patches
                                  if p["patch_id"] in STATE}, {})
    return folder, path


def second_batch(drawn_first, tmp_path, min_overlap=None, epsg=4529):
    folder, first = drawn_first
    previous = {"path": first} if min_overlap is None else {"path": first,
                                                           "min_overlap": min_overlap}
    patches = SECOND
    if epsg != 4529:
        from pyproj import Transformer
        from shapely.ops import transform
        to = Transformer.from_crs("EPSG:4529", f"EPSG:{epsg}", always_xy=True).transform
        patches = {k: transform(to, g) for k, g in SECOND.items()}
    job = drawn_job(tmp_path, "第二批", patches, previous, epsg=epsg)
    path = run_analysis(job, str(tmp_path / "b2"), job_workers=1).result_path
    return patches_of(path), notes_of(path), path


def overlap_share(a, b):
    both = a.intersection(b).area
    return max(both / a.area, both / b.area)


def test_a_patch_overlapping_half_of_either_previous_patch_is_the_same_ground(drawn_first,
                                                                              tmp_path):
    rows, _, _ = second_batch(drawn_first, tmp_path)
    assert overlap_share(SECOND["N1"], FIRST["S1"]) == pytest.approx(0.6)
    assert overlap_share(SECOND["N2"], FIRST["S2"]) == pytest.approx(0.3)
    assert {k: rows[k]["delivery"] for k in SECOND} == {
        "N1": "重复下发", "N2": "新下发", "N3": "重复下发(上批已销号)", "N4": "新下发",
        "N5": "重复下发"}
    assert rows["N1"]["previous_ids"] == "S1" and rows["N1"]["previous_batch"] == "第一批"
    assert rows["N2"]["first_batch"] == "第二批" and rows["N2"]["previous_ids"] is None


def test_the_overlap_share_that_makes_the_same_ground_is_configurable(drawn_first, tmp_path):
    rows, _, _ = second_batch(drawn_first, tmp_path, min_overlap=0.25)
    assert rows["N2"]["delivery"] == "重复下发"


def test_the_state_comes_from_the_previous_patch_overlapping_most(drawn_first, tmp_path):
    rows, notes, _ = second_batch(drawn_first, tmp_path)
    assert rows["N5"]["previous_ids"] == "S5、S6"
    assert rows["N5"]["ledger_land_user"] == "甲"
    assert rows["N1"]["ledger_land_user"] == "张三"
    assert rows["N4"]["ledger_land_user"] is None
    assert any("填写不一致" in m for _, m, _ in notes)


def test_a_reopened_patch_keeps_its_check_but_not_its_closing(drawn_first, tmp_path):
    rows, notes, _ = second_batch(drawn_first, tmp_path)
    n3 = rows["N3"]
    assert (n3["ledger_check_result"], n3["ledger_status"], n3["ledger_closed"]) == \
        ("属实", None, None)
    assert any(f == "N3" and k == "warning" and "S3" in m for f, m, k in notes)


def test_previous_patches_not_sent_again_are_counted(drawn_first, tmp_path):
    _, notes, path = second_batch(drawn_first, tmp_path)
    ds = ogr.Open(path)
    info = {f["key"]: f["value"] for f in ds.GetLayerByName("run_info")}
    assert info["previous.previous_not_resent"] == "2"  # S2 and S4
    assert any("6 个图斑中 2 个本批未再下发" in m for _, m, _ in notes)


def test_a_batch_delivered_in_degrees_matches_a_previous_batch_in_metres(drawn_first, tmp_path):
    rows, _, _ = second_batch(drawn_first, tmp_path, epsg=4490)
    assert rows["N1"]["delivery"] == "重复下发" and rows["N2"]["delivery"] == "新下发"


def test_without_a_previous_batch_the_ledger_has_no_batch_columns(drawn_first, tmp_path):
    _, first = drawn_first
    assert "delivery" not in next(iter(patches_of(first).values()))
    out = tmp_path / "台账.xlsx"
    export_ledger(first, str(out))
    names = headers(openpyxl.load_workbook(out)["整改台账"])
    assert "下发情况" not in names and "用地主体" in names


@pytest.mark.parametrize("entry, field", [({"path": "a.gpkg", "min_overlap": 0}, "previous.min_overlap"),
                                          ({"path": "a.gpkg", "min_overlap": "half"},
                                           "previous.min_overlap"),
                                          ({"path": "a.gpkg", "share": 0.5}, "previous.share"),
                                          ({"min_overlap": 0.5}, "previous")])
def test_a_bad_previous_entry_is_refused_by_name(tmp_path, entry, field):
    with pytest.raises(InputError) as e:
        job_from_dict({"patches": {"path": "p.gpkg"}, "previous": entry}, base_dir=str(tmp_path))
    assert e.value.field == field


def test_a_result_may_not_replace_the_previous_batchs_result(drawn_first):
    folder, first = drawn_first
    job = drawn_job(folder, "第三批", SECOND, {"path": first})
    with pytest.raises(InputError) as e:
        run_analysis(job, str(Path(first).parent), job_workers=1)
    assert "同一个文件" in str(e.value)


def test_a_file_that_is_no_result_is_refused_as_previous_batch(drawn_first, tmp_path):
    folder, _ = drawn_first
    job = drawn_job(tmp_path, "第二批", SECOND, {"path": str(folder / "第一批.gpkg")})
    with pytest.raises(InputError) as e:
        run_analysis(job, str(tmp_path / "out"), job_workers=1)
    assert "不是 analyse 输出的结果文件" in str(e.value)


def test_the_command_line_takes_the_previous_batch_and_its_overlap(drawn_first, tmp_path,
                                                                   capsys):
    import yaml
    _, first = drawn_first
    drawn_job(tmp_path, "第二批", SECOND)
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump({"patches": {"path": "第二批.gpkg", "id_field": "JCBH",
                                               "before_field": "QDLBM", "after_field": "HDLBM"}},
                                  allow_unicode=True), encoding="utf-8")
    code = cli.main(["analyse", str(job), "--out", str(tmp_path / "out"), "-q", "--previous",
                     first, "--previous-overlap", "0.25"])
    assert code == 0
    rows = patches_of(tmp_path / "out" / "result.gpkg")
    assert rows["N2"]["delivery"] == "重复下发"
