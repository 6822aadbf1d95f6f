"""The ledger in a real spreadsheet program: LibreOffice Calc, headless.

1. LibreOffice opens the exported workbook and saves every sheet as CSV ("as shown"): each
   cell must show exactly what the ledger wrote (text, numbers in their formats).
2. LibreOffice edits a ledger (a Basic macro types text, a date and a number into the
   analysts' columns, as a person would) and saves it as .xlsx; that file must import cleanly,
   the read-only columns LibreOffice rewrote included.
"""

import csv
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from osgeo import ogr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from plugin.core.ledger.export import export_ledger  # noqa: E402
from plugin.core.ledger.imports import import_ledger  # noqa: E402
from test_ledger import ODD_IDS, ODD_UNITS, build_county  # noqa: E402

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
    wb = openpyxl.load_workbook(ledger)
    assert wb.sheetnames == ["整改台账", "汇总", "说明"]
    cells = 0
    for ws in wb.worksheets:
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
         ("=1+1", "备注", "S", "=先核实\\t再处理"), ("P99", "核查结果", "S", "部分属实")]


def test_a_ledger_saved_by_libreoffice_comes_back_in(profile, tmp_path):
    """The odd county's read-only text (formula-like ids, CR LF, control characters, emoji)
    must survive LibreOffice's save too, or the import would report edits."""
    result = build_county(tmp_path / "county", ids=ODD_IDS, units=ODD_UNITS)
    ledger = tmp_path / "ledger.xlsx"
    export_ledger(result, str(ledger), include_all=True)
    ws = openpyxl.load_workbook(ledger)["整改台账"]
    headers = [c.value for c in ws[1]]
    row_of = {ws.cell(r, 2).value: r - 1 for r in range(2, ws.max_row + 1)}
    edits = tmp_path / "edits.tsv"
    edits.write_text("".join(f"{row_of[pid]}\t{headers.index(h)}\t{kind}\t{value}\n"
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
    rows = {r[1]: dict(zip(headers, r)) for r in
            openpyxl.load_workbook(again)["整改台账"].iter_rows(min_row=2, values_only=True)}
    assert rows["甲-001"]["整改时限"] == "2025-06-30"
    assert rows["=1+1"]["备注"] == "=先核实\t再处理"


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
    for row in range(3, sheet.max_row + 1):
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
