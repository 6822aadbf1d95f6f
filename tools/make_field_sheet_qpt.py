"""Writes field_sheet.qpt, the A4 field-verification sheet (外业核查表) template.

Run with QGIS's Python when the layout changes:
``QT_QPA_PLATFORM=offscreen /usr/bin/python3 tools/make_field_sheet_qpt.py``.
The atlas binds the template at run time (plugin/qgis_io/field_sheets.py): coverage
layer ``核查图斑``, map layers, chip pictures; items are found by their ids
(``map``, ``scalebar``, ``north``, ``chip_before``, ``chip_after``, ``caption_before``,
``caption_after``).
"""

from pathlib import Path

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsLayoutItem, QgsLayoutItemLabel, QgsLayoutItemMap, QgsLayoutItemPage,
                       QgsLayoutItemPicture, QgsLayoutItemScaleBar, QgsScaleBarSettings, QgsLayoutMeasurement,
                       QgsLayoutPoint, QgsLayoutSize, QgsPrintLayout, QgsProject,
                       QgsReadWriteContext, QgsRectangle, QgsTextFormat, QgsUnitTypes)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont

FONT = "Noto Sans CJK SC"
OUT = Path(__file__).resolve().parent.parent / "resources" / "layouts" / "field_sheet.qpt"
LEFT, WIDTH = 10.0, 190.0
KEY_W = 30.0
GREY = QColor(235, 235, 235)


def label(layout, text, x, y, w, h, size=9.0, bold=False, frame=True, fill=None,
          align=Qt.AlignmentFlag.AlignLeft, item_id=""):
    item = QgsLayoutItemLabel(layout)
    item.setText(text)
    font = QFont(FONT)
    font.setPointSizeF(size)
    font.setBold(bold)
    item.setFont(font)  # QGIS 3.22 labels take a QFont (setTextFormat came in 3.24)
    item.setHAlign(align)
    item.setVAlign(Qt.AlignmentFlag.AlignVCenter)
    item.setMarginX(1.5)
    item.setFrameEnabled(frame)
    item.setFrameStrokeWidth(QgsLayoutMeasurement(0.25))
    if fill is not None:
        item.setBackgroundEnabled(True)
        item.setBackgroundColor(fill)
    item.attemptMove(QgsLayoutPoint(x, y))
    item.attemptResize(QgsLayoutSize(w, h))
    if item_id:
        item.setId(item_id)
    layout.addLayoutItem(item)
    return item


def row(layout, y, h, cells):
    """One table row: (key, value) pairs sharing the width equally."""
    span = WIDTH / len(cells)
    for k, (key, value) in enumerate(cells):
        x = LEFT + k * span
        label(layout, key, x, y, KEY_W, h, bold=True, fill=GREY)
        label(layout, value, x + KEY_W, y, span - KEY_W, h)
    return y + h


def build():
    project = QgsProject()
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName("外业核查表")
    layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Orientation.Portrait)
    label(layout, "卫片执法图斑外业核查表", LEFT, 8, WIDTH, 11, size=17, bold=True, frame=False,
          align=Qt.AlignmentFlag.AlignHCenter)
    label(layout, '第 [% @atlas_featurenumber %] / [% @atlas_totalfeatures %] 页　　'
          '核查顺序 [% "序号" %]', LEFT, 19, WIDTH, 6, size=9, frame=False,
          align=Qt.AlignmentFlag.AlignRight)
    repair = label(layout, '[% if("几何修复说明" IS NULL, \'\', \'注：原图斑\' || "几何修复说明" || '
                   '\'，图中为修复后的界线\') %]', LEFT, 19, WIDTH - 45, 6, size=7.5, frame=False)
    repair.setFontColor(QColor(200, 0, 0))
    y = 26.0
    y = row(layout, y, 7, [("图斑编号", '[% "图斑编号" %]'), ("判定结果", '[% "判定结果" %]')])
    y = row(layout, y, 7, [("乡镇", '[% "乡镇" %]'), ("村", '[% "村" %]')])
    y = row(layout, y, 7, [
        ("中心经度", '[% format_number("中心点经度(度)", 6) %]°　'
         '[% to_dms("中心点经度(度)", \'x\', 1) %]'),
        ("中心纬度", '[% format_number("中心点纬度(度)", 6) %]°　'
         '[% to_dms("中心点纬度(度)", \'y\', 1) %]')])
    y = row(layout, y, 7, [("面积(亩)", '[% format_number("图斑面积(亩)", 2) %]'),
                           ("面积(平方米)", '[% format_number("图斑面积(平方米)", 1) %]')])
    y = row(layout, y, 7, [("前地类", '[% "前地类" %]'), ("现地类", '[% "现地类" %]')])
    y = row(layout, y, 7, [("违法类型", '[% coalesce("违法类型", \'\') %]')])
    y = row(layout, y, 20, [("判定理由", '[% "判定理由" %]')])
    y = row(layout, y, 7, [("建议整改措施", '[% coalesce("建议整改措施", \'\') %]')])
    y += 2
    map_item = QgsLayoutItemMap(layout)
    map_item.setId("map")
    map_item.attemptMove(QgsLayoutPoint(LEFT, y))
    map_item.attemptResize(QgsLayoutSize(122, 100))
    # a CRS and an extent of the item's shape, or QGIS stores NaN sizes (the run time sets both)
    map_item.setCrs(QgsCoordinateReferenceSystem("EPSG:4529"))
    map_item.setExtent(QgsRectangle(41_500_000, 4_000_000, 41_500_122, 4_000_100))
    map_item.setFrameEnabled(True)
    map_item.setAtlasDriven(True)
    map_item.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Auto)
    map_item.setAtlasMargin(0.6)
    layout.addLayoutItem(map_item)
    bar = QgsLayoutItemScaleBar(layout)
    bar.setId("scalebar")
    bar.setLinkedMap(map_item)
    bar.applyDefaultSettings()
    bar.setStyle("Single Box")
    bar.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
    bar.setUnitLabel("米")
    bar.setNumberOfSegments(2)
    bar.setNumberOfSegmentsLeft(0)
    bar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFitWidth)
    bar.setMinimumBarWidth(25)
    bar.setMaximumBarWidth(45)
    bar.setBackgroundEnabled(True)
    bar_format = QgsTextFormat()
    bar_format.setFont(QFont(FONT))
    bar_format.setSize(7)
    bar.setTextFormat(bar_format)
    bar.attemptMove(QgsLayoutPoint(LEFT + 2, y + 88))
    layout.addLayoutItem(bar)
    north = QgsLayoutItemPicture(layout)
    north.setId("north")
    north.setPicturePath(":/images/north_arrows/layout_default_north_arrow.svg")
    north.setLinkedMap(map_item)
    north.setNorthMode(QgsLayoutItemPicture.NorthMode.GridNorth)
    north.setBackgroundEnabled(True)
    north.attemptMove(QgsLayoutPoint(LEFT + 122 - 12, y + 2))
    north.attemptResize(QgsLayoutSize(10, 14))
    layout.addLayoutItem(north)
    chips_x, chips_w = LEFT + 125, WIDTH - 125
    chips = (("chip_before", "caption_before", "前时相影像"), ("chip_after", "caption_after", "后时相影像"))
    for k, (item_id, caption_id, caption) in enumerate(chips):
        top = y + k * 50
        # the run time adds the image's date to the caption
        label(layout, caption, chips_x, top, chips_w, 5, size=8, bold=True, fill=GREY,
              align=Qt.AlignmentFlag.AlignHCenter, item_id=caption_id)
        picture = QgsLayoutItemPicture(layout)
        picture.setId(item_id)
        picture.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
        picture.setPictureAnchor(QgsLayoutItem.ReferencePoint.Middle)
        picture.setFrameEnabled(True)
        picture.attemptMove(QgsLayoutPoint(chips_x, top + 5))
        picture.attemptResize(QgsLayoutSize(chips_w, 45))
        layout.addLayoutItem(picture)
    label(layout, "图例：红/橙框 核查图斑　黄线 永久基本农田　绿线 生态保护红线　紫线 城镇开发边界　底图 后时相影像",
          LEFT, y + 101, WIDTH, 5, size=7, frame=False)
    y += 108
    y = row(layout, y, 9, [("核查结论", "□ 属实　　□ 不属实　　□ 部分属实")])
    y = row(layout, y, 9, [("现场现状", "□ 已建成　□ 在建　□ 已拆除　□ 已复耕　□ 未动工　□ 其他")])
    y = row(layout, y, 9, [("现场照片编号", "")])
    y = row(layout, y, 20, [("核查说明", "")])
    y = row(layout, y, 9, [("核查人", ""), ("日期", "　　　年　　月　　日")])
    row(layout, y, 13, [("签字", "")])
    layout.saveAsTemplate(str(OUT), QgsReadWriteContext())
    return OUT


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    print(build())
