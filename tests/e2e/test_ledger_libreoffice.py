"""The ledger in a real spreadsheet program: LibreOffice Calc, headless.

1. LibreOffice opens the exported workbook and saves every sheet as CSV ("as shown"): each
   cell must show exactly what the ledger wrote (text, numbers in their formats).
2. LibreOffice edits a ledger (a Basic macro types text, dates and numbers into the analysts'
   columns, as a person would) and saves it as .xlsx; that file must import cleanly, the
   read-only columns LibreOffice rewrote included.
3. LibreOffice prints the demo county's ledger and balance sheet to PDF; poppler reads the
   pages back: how many, which columns each shows, the smallest text on each (the width of a
   run of CJK characters, each one em wide), where the title and signature lines fall.
"""

import csv
import re
import shutil
import unicodedata
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from osgeo import ogr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from plugin.core.ledger.export import export_ledger  # noqa: E402
from plugin.core.ledger.imports import import_ledger  # noqa: E402
from ledger_sheet import data_rows, headers  # noqa: E402
from plugin.core.analysis import run_analysis  # noqa: E402
from plugin.core.job import load_job  # noqa: E402
from test_ledger import ODD_IDS, ODD_UNITS, build_county  # noqa: E402
from test_ledger_zones import zoned_result  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
TIMEOUT = 60
# Text CSV filter: comma, double quote, UTF-8, from line 1, default cell formats, default
# language, quote all text: no, detect special numbers: yes, save cell contents as shown: yes,
# export formulas: no, remove spaces: no, sheet: -1 (every sheet, one file each).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub EditLedger(sPath As String, sEdits As String, sOut As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sPath), "_blank", 0, args())
  oSheet = oDoc.Sheets.getByIndex(0)
  Dim aLocale As New com.sun.star.lang.Locale
  nDate = oDoc.NumberFormats.getStandardFormat(com.sun.star.util.NumberFormat.DATE, aLocale)
  sfa = createUnoService("com.sun.star.ucb.SimpleFileAccess")
  tis = createUnoService("com.sun.star.io.TextInputStream")
  tis.setInputStream(sfa.openFileRead(ConvertToURL(sEdits)))
  tis.setEncoding("UTF-8")
  Do While Not tis.isEOF()
    sLine = tis.readLine()
    Do While Len(sLine) &gt; 0 And (Right(sLine, 1) = Chr(10) Or Right(sLine, 1) = Chr(13))
      sLine = Left(sLine, Len(sLine) - 1)
    Loop
    If Len(sLine) &gt; 0 Then
      parts = Split(sLine, Chr(9))
      oCell = oSheet.getCellByPosition(CLng(parts(1)), CLng(parts(0)))
      sValue = parts(3)
      Select Case parts(2)
        Case "S"
          oCell.setString(Replace(Replace(sValue, "\\n", Chr(10)), "\\t", Chr(9)))
        Case "N"
          oCell.setValue(Val(sValue))
        Case "D"
          oCell.setValue(DateSerial(CInt(Mid(sValue, 1, 4)), CInt(Mid(sValue, 6, 2)), CInt(Mid(sValue, 9, 2))))
          oCell.NumberFormat = nDate
      End Select
    End If
  Loop
  tis.closeInput()
  Dim sargs(0) As New com.sun.star.beans.PropertyValue
  sargs(0).Name = "FilterName"
  sargs(0).Value = "Calc MS Excel 2007 XML"
  oDoc.storeToURL(ConvertToURL(sOut), sargs())
  oDoc.close(True)
End Sub
</script:module>
"""


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    """A private LibreOffice profile holding the editing macro in My Macros (trusted)."""
    root = tmp_path_factory.mktemp("lo")
    profile = root / "profile"
    seed = root / "seed.csv"
    seed.write_text("a\n", encoding="utf-8")
    run_soffice(profile, "--convert-to", "xlsx", str(seed), "--outdir", str(root))  # creates it
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice did not create its Basic library"
    module.write_text(MACRO, encoding="utf-8")
    return profile


def run_soffice(profile, *args):
    return subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--norestore", "--nologo", *args],
                          check=True, capture_output=True, timeout=TIMEOUT)


ODD_ANALYST = {"ledger_land_user": "𡌶氏 😀 合作社", "ledger_fix_measure": "=SUM(1,2)",
               "ledger_remark": "第一行\n第二行\t制表 <&>\"' -负号 " + "长" * 2000,
               "ledger_status": "整改中", "ledger_closed": "否", "ledger_resp_person": "+86 138"}


@pytest.fixture(scope="module")
def odd_result(tmp_path_factory):
    result = build_county(tmp_path_factory.mktemp("odd"), ids=ODD_IDS, units=ODD_UNITS)
    ds = ogr.Open(result, update=1)
    layer = ds.GetLayerByName("patches")
    for name in ODD_ANALYST:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for f in layer:
        for name, value in ODD_ANALYST.items():
            f.SetField(name, value)
        layer.SetFeature(f)
    ds = None
    return result


def shown(cell):
    """What a spreadsheet shows for a cell openpyxl reads from our file."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        # control characters travel as _xHHHH_; a line break shows as LF in LibreOffice
        text = re.sub(r"_x(00[01][0-9A-F])_", lambda m: chr(int(m.group(1), 16)), value)
        return text.replace("\r\n", "\n")
    fmt = cell.number_format
    if fmt == "General":
        return str(value)
    decimals = len(fmt.split(".")[1]) if "." in fmt else 0
    return f"{value:.{decimals}f}"


def trimmed(rows):
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] == "":
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def test_libreoffice_shows_every_cell_as_written(profile, odd_result, tmp_path):
    ledger = tmp_path / "整改台账.xlsx"
    export_ledger(odd_result, str(ledger), include_all=True)
    out = tmp_path / "csv"
    run_soffice(profile, "--convert-to", CSV_FILTER, str(ledger), "--outdir", str(out))
    # read-only: every cell's own value, also under a merged range (CSV holds them all)
    wb = openpyxl.load_workbook(ledger, read_only=True)
    assert wb.sheetnames == ["整改台账", "汇总", "说明", "列定义"]
    cells = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        written = trimmed([[shown(c) for c in row] for row in ws.iter_rows()])
        with open(out / f"整改台账-{ws.title}.csv", encoding="utf-8", newline="") as f:
            read = trimmed(csv.reader(f))
        assert len(read) == len(written), ws.title
        for k, (w, r) in enumerate(zip(written, read), 1):
            assert r == w, (ws.title, k)
        cells += sum(len(r) for r in written)
    assert cells > 500
    # the formula-like ids stayed text: LibreOffice shows them, not a computed value
    with open(out / "整改台账-整改台账.csv", encoding="utf-8", newline="") as f:
        ids = {row[1] for row in csv.reader(f)}
    assert {"=1+1", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"点我\")", "丙_x0041_"} <= ids


EDITS = [("甲-001", "核查结果", "S", "属实"), ("甲-001", "用地主体", "S", "张三 𡌶 😀"),
         ("甲-001", "整改措施", "S", "拆除复耕\\n恢复种植条件"), ("甲-001", "整改时限", "D", "2025-06-30"),
         ("甲-001", "责任人", "N", "13800138000"), ("甲-001", "整改进展", "S", "已销号"),
         ("甲-001", "是否销号", "S", "是"), ("=1+1", "整改进展", "S", "整改中"),
         ("=1+1", "备注", "S", "=先核实\\t再处理"), ("P99", "核查结果", "S", "部分属实"),
         ("甲-001", "是否立案", "S", "是"), ("甲-001", "立案号", "S", "示自然资罚〔2025〕12号"),
         ("甲-001", "罚没款(元)", "N", "12000.5"), ("甲-001", "拆除面积(亩)", "N", "0.05"),
         ("甲-001", "复耕面积(亩)", "N", "0.04"), ("甲-001", "追责人数", "N", "2"),
         ("甲-001", "整改完成时间", "D", "2025-09-30"), ("P99", "核查日期", "D", "2025-03-01")]


def test_a_ledger_saved_by_libreoffice_comes_back_in(profile, tmp_path):
    """The odd county's read-only text (formula-like ids, CR LF, control characters, emoji)
    must survive LibreOffice's save too, or the import would report edits."""
    result = build_county(tmp_path / "county", ids=ODD_IDS, units=ODD_UNITS)
    ledger = tmp_path / "ledger.xlsx"
    export_ledger(result, str(ledger), include_all=True)
    ws = openpyxl.load_workbook(ledger)["整改台账"]
    names = headers(ws)
    row_of = {ws.cell(r, names["图斑编号"]).value: r - 1 for r in data_rows(ws)}  # 0-based
    edits = tmp_path / "edits.tsv"
    edits.write_text("".join(f"{row_of[pid]}\t{names[h] - 1}\t{kind}\t{value}\n"
                             for pid, h, kind, value in EDITS), encoding="utf-8")
    saved = tmp_path / "saved.xlsx"
    run_soffice(profile, f'macro:///Standard.Module1.EditLedger("{ledger}","{edits}","{saved}")')
    assert saved.exists(), "LibreOffice did not save the edited ledger"
    with zipfile.ZipFile(saved) as saved_zip:
        assert "LibreOffice" in saved_zip.read("docProps/app.xml").decode()  # really saved by it

    report = import_ledger(str(saved), result)
    assert not report.errors, [str(e) for e in report.errors]
    assert report.written and report.check.changed_patches == 3
    ds = ogr.Open(result)
    values = {f.GetField("patch_id"): f.items() for f in ds.GetLayerByName("patches")}
    ds = None
    first = values["甲-001"]
    assert (first["ledger_case_filed"], first["ledger_case_no"], first["ledger_fine_yuan"],
            first["ledger_demolished_mu"], first["ledger_restored_mu"],
            first["ledger_accountable"], first["ledger_done_on"]) == (
        "是", "示自然资罚〔2025〕12号", "12000.50", "0.05", "0.04", "2", "2025-09-30")
    assert values["P99"]["ledger_checked_on"] == "2025-03-01"
    assert first["ledger_check_result"] == "属实"
    assert first["ledger_land_user"] == "张三 𡌶 😀"
    assert first["ledger_fix_measure"] == "拆除复耕\n恢复种植条件"
    assert first["ledger_deadline"] == "2025-06-30"
    assert first["ledger_resp_person"] == "13800138000"
    assert (first["ledger_status"], first["ledger_closed"]) == ("已销号", "是")
    assert values["=1+1"]["ledger_remark"] == "=先核实\t再处理"
    assert values["P99"]["ledger_check_result"] == "部分属实"

    again = tmp_path / "again.xlsx"
    export_ledger(result, str(again), include_all=True)
    sheet = openpyxl.load_workbook(again)["整改台账"]
    rows = {sheet.cell(r, 2).value: {h: sheet.cell(r, k).value for h, k in names.items()}
            for r in data_rows(sheet)}
    assert rows["甲-001"]["整改时限"] == "2025-06-30"
    assert rows["=1+1"]["备注"] == "=先核实\t再处理"
    assert (rows["甲-001"]["罚没款(元)"], rows["甲-001"]["整改完成时间"]) == (12000.5, "2025-09-30")
    # and the ledger saved by LibreOffice, imported again, changes nothing more
    assert import_ledger(str(saved), result).check.changed_cells == 0


def test_a_ledger_with_zone_columns_saved_by_libreoffice_comes_back_in(profile, tmp_path):
    """The zones' read-only columns (areas, carried text) as LibreOffice rewrites them are
    still what the result holds; the analysts' cells typed in LibreOffice are imported."""
    result = zoned_result(tmp_path)
    ledger = tmp_path / "ledger.xlsx"
    export_ledger(result, str(ledger), include_all=True)
    ws = openpyxl.load_workbook(ledger)["整改台账"]
    names = headers(ws)
    assert {"占用自然保护地面积(亩)", "自然保护地GNFQ", "饮用水水源保护区BHJB"} <= set(names)
    row_of = {ws.cell(r, names["图斑编号"]).value: r - 1 for r in data_rows(ws)}  # 0-based
    edits = tmp_path / "edits.tsv"
    edits.write_text(f"{row_of['CORE']}\t{names['核查结果'] - 1}\tS\t属实\n"
                     f"{row_of['WATER']}\t{names['整改进展'] - 1}\tS\t整改中\n", encoding="utf-8")
    saved = tmp_path / "saved.xlsx"
    run_soffice(profile, f'macro:///Standard.Module1.EditLedger("{ledger}","{edits}","{saved}")')
    with zipfile.ZipFile(saved) as saved_zip:
        assert "LibreOffice" in saved_zip.read("docProps/app.xml").decode()

    report = import_ledger(str(saved), result)
    assert not report.check.issues, [str(i) for i in report.check.issues]
    assert report.written and report.check.changed_cells == 2
    assert import_ledger(str(saved), result).check.changed_cells == 0


def test_libreoffice_prints_the_thumbnails_in_their_rows(profile, tmp_path):
    """A ledger with picture columns opens in LibreOffice and prints one picture per patch and
    image, none of a hidden row (counted in the PDF with poppler's pdfimages)."""
    pdfimages = shutil.which("pdfimages")
    if pdfimages is None:
        pytest.skip("poppler-utils (pdfimages) not installed")
    import numpy as np
    import rasterio
    from rasterio.transform import from_bounds

    result = build_county(tmp_path / "county")
    ds = ogr.Open(result)  # kept: the layer dies with its data source
    layer = ds.GetLayerByName("patches")
    minx, maxx, miny, maxy = layer.GetExtent()
    image = tmp_path / "after.tif"
    with rasterio.open(image, "w", driver="GTiff", width=200, height=200, count=3, dtype="uint8",
                       crs=layer.GetSpatialRef().ExportToWkt(),
                       transform=from_bounds(minx - 200, miny - 200, maxx + 200, maxy + 200,
                                             200, 200)) as dst:
        dst.write(np.random.default_rng(7).integers(0, 255, (3, 200, 200), dtype="uint8"))
    ledger = tmp_path / "台账.xlsx"
    report = export_ledger(result, str(ledger), images={"前时相": str(image), "后时相": str(image)})
    # rows hidden as a filter hides them must hide their pictures too
    workbook = openpyxl.load_workbook(ledger)
    sheet = workbook["整改台账"]
    for row in data_rows(sheet)[1:]:
        sheet.row_dimensions[row].hidden = True
    workbook.save(tmp_path / "filtered.xlsx")
    out = tmp_path / "pdf"
    run_soffice(profile, "--convert-to", "pdf", str(ledger), str(tmp_path / "filtered.xlsx"),
                "--outdir", str(out))

    def printed(name):
        return len(subprocess.run([pdfimages, "-list", str(out / name)], capture_output=True,
                                  text=True, check=True).stdout.splitlines()[2:])

    assert printed("台账.pdf") == 2 * report.rows
    assert printed("filtered.pdf") == 2


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    job = load_job(str(REPO / "resources" / "demo" / "job.yaml"))
    return run_analysis(job, str(tmp_path_factory.mktemp("demo")), job_workers=1).result_path


def pdf_pages(pdf):
    """Per page: (its words with their boxes, the smallest CJK text size in points). A CJK
    character is one em wide, so a run of n of them spans n × the font size."""
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    out = []
    for page in range(1, pages + 1):
        xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                              "-"], capture_output=True, text=True, check=True).stdout
        words = [(float(x0), float(y0), float(x1), float(y1), w) for x0, y0, x1, y1, w in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                            r'yMax="([\d.]+)">([^<]*)</word>', xml)]
        sizes = [(x1 - x0) / len(w) for x0, _, x1, _, w in words
                 if len(w) >= 2 and all(unicodedata.east_asian_width(c) == "W"
                                        and unicodedata.category(c) == "Lo" for c in w)]
        out.append((words, min(sizes) if sizes else None))
    return out


def pdf_font_sizes(pdf):
    """The size of every font the PDF's content streams set (``Tf``; LibreOffice draws text
    with an identity text matrix, so the size is the printed one)."""
    data = Path(pdf).read_bytes()
    sizes = set()
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(m.group(1))
        except zlib.error:
            continue  # fonts and images
        sizes |= {float(v) for v in re.findall(rb"([\d.]+) Tf", content)}
    assert sizes
    return sizes


def text_of(page):
    return " ".join(w for *_, w in page[0])


@pytest.fixture(scope="module")
def printed_ledger(profile, demo_result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("printed")
    ledger = folder / "整改台账.xlsx"
    export_ledger(demo_result, str(ledger))
    run_soffice(profile, "--convert-to", "pdf", str(ledger), "--outdir", str(folder))
    pages = pdf_pages(folder / "整改台账.pdf")
    summary = next(k for k, p in enumerate(pages) if "按乡镇汇总" in text_of(p))
    notes = next(k for k, p in enumerate(pages) if "整改台账 说明" in text_of(p))
    return {"detail": pages[:summary], "summary": pages[summary:notes], "notes": pages[notes:],
            "rows": len(data_rows(openpyxl.load_workbook(ledger)["整改台账"])),
            "font_sizes": pdf_font_sizes(folder / "整改台账.pdf")}


def test_the_detail_sheet_prints_on_four_page_widths_with_the_key_columns_on_each(
        printed_ledger):
    detail = printed_ledger["detail"]
    # the county's own zones do not fit beside 整改/查处/备注 at the smallest scale: a fourth
    groups = [("图斑信息", "中心点坐标", "面积"), ("认定面积构成", "判定", "核查情况"),
              ("整改情况", "查处情况", "备注"), ("管控区域",)]
    assert len(detail) % len(groups) == 0 and len(detail) >= len(groups)
    for k, page in enumerate(detail):
        words = {w for *_, w in page[0]}
        assert {"序号", "图斑编号", "乡镇", "村", "判定结果", "违法类型"} <= words, k
        assert set(groups[k % len(groups)]) <= words, k  # the page width's groups, in order
    ids = [w for page in detail[::len(groups)] for *_, w in page[0]
           if re.fullmatch(r"2102812024\d{4}", w)]
    assert len(ids) == printed_ledger["rows"]  # every patch once down the first page width


def test_no_printed_text_of_the_ledger_is_smaller_than_seven_and_a_half_points(printed_ledger):
    sizes = {name: [size for _, size in printed_ledger[name]]
             for name in ("detail", "summary", "notes")}
    # measured from word boxes, which LibreOffice's glyph adjustments (TJ) narrow by up to
    # ~0.4 %: the exact sizes are the PDF's own, checked below
    assert min(sizes["detail"]) >= 7.5 * 0.995, sizes["detail"]
    assert min(sizes["summary"]) >= 9.0 and min(sizes["notes"]) >= 8.0, sizes
    # every text the PDF draws, header and footer included, at 7.5 pt or more
    assert min(printed_ledger["font_sizes"]) >= 7.5, sorted(printed_ledger["font_sizes"])


def test_the_title_opens_the_first_page_and_the_signatures_close_the_last(printed_ledger):
    detail = printed_ledger["detail"]
    first = text_of(detail[0])
    assert "示范县2024年度卫片执法问题图斑整改台账" in first and "填报单位：示范县自然资源局" in first
    signed = [k for k, page in enumerate(detail) if "填报人：＿＿＿＿＿＿" in text_of(page)]
    assert signed == [len(detail) - 1]
    words = detail[-1][0]
    signature_top = min(y0 for _, y0, _, _, w in words if w.startswith("填报人"))
    assert signature_top > max(y1 for _, _, _, y1, w in words if re.fullmatch(r"\d{14}", w))


def test_the_summary_prints_on_one_page_width_and_the_notes_on_at_most_three_pages(
        printed_ledger):
    summary, notes = printed_ledger["summary"], printed_ledger["notes"]
    assert len(summary) == 1
    text = text_of(summary[0])
    assert all(part in text for part in ("按乡镇汇总", "按村汇总", "按违法类型汇总", "清零进度"))
    assert 1 <= len(notes) <= 3  # the demo: 13 input layers, net-area and owner rules
    notes_text = " ".join(text_of(p) for p in notes)
    assert "EPSG:4529" in notes_text and "PROJCRS" not in notes_text


def test_the_balance_sheet_prints_on_a3_one_page_wide(profile, tmp_path):
    from plugin.core.changes.derive import ChangeOptions, derive_changes
    from plugin.core.changes.read import layer_spec

    data = REPO / "resources" / "demo" / "data"
    derive_changes(layer_spec(f"{data}/dltb_2023.gpkg:DLTB", "前一年度"),
                   layer_spec(f"{data}/dltb_2024.gpkg:DLTB", "本年度"), str(tmp_path),
                   ChangeOptions(protected={"basic_farmland": (layer_spec(
                       f"{data}/yjjbnttb.gpkg:YJJBNTTB", "永久基本农田"),)}))
    run_soffice(profile, "--convert-to", "pdf", str(tmp_path / "balance.xlsx"), "--outdir",
                str(tmp_path))
    info = subprocess.run(["pdfinfo", str(tmp_path / "balance.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"Page size:\s+1190\.\d+ x 841\.\d+", info)  # A3 landscape
    pages = pdf_pages(tmp_path / "balance.pdf")
    first = text_of(pages[0])
    assert "乡镇" in first and "永久基本农田内" in first and "全县合计" in first  # one page wide
    assert pages[0][1] >= 6.0

