<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>LandSupervision</name>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>(none)</source>
      <translation>（无）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>(not filled in)</source>
      <translation>（未填写）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>1 Data</source>
      <translation>1 数据</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>2 Run</source>
      <translation>2 运行</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>3 Results</source>
      <translation>3 结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/zone_rows.py" />
      <source>; carries {0}</source>
      <translation>；带出字段 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/zone_rows.py" />
      <source>; keeps {0} = {1}</source>
      <translation>；筛选 {0} = {1}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>&lt;b&gt;{0}&lt;/b&gt; patches analysed: {1} illegal, {2} to verify, {3} lawful, {4} under the minimum mapping area.</source>
      <translation>共分析 &lt;b&gt;{0}&lt;/b&gt; 个图斑：违法 {1}，需核实 {2}，合法 {3}，低于上图面积 {4}。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>&lt;p&gt;Compares the land parcels (DLTB) of two survey years and writes every place whose land class changed as a change patch, with its class before and after, area (ellipsoidal, CGCS2000, m² and mu), township and village.&lt;/p&gt;&lt;p&gt;Parcels identical in both years are matched first and never overlaid. Slivers from boundary noise (smaller than the smallest area, or thin and narrow) are left out of the change patches and kept in their own layer, counted, never silently lost.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Outputs&lt;/b&gt; in the output folder: &lt;i&gt;changes.gpkg&lt;/i&gt; (layers changes and dropped), the farmland balance sheet &lt;i&gt;balance.xlsx&lt;/i&gt; (耕地进出平衡表, per township: farmland lost by destination, gained by source, net change) and its chart &lt;i&gt;balance.png&lt;/i&gt;. The change patches are loaded styled by farmland flow and are ready for &lt;i&gt;Patch overlay analysis and violation verdict&lt;/i&gt; (patch number change_id, classes from_class and to_class).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Permanent basic farmland&lt;/b&gt; and &lt;b&gt;ecological protection red line&lt;/b&gt; add their own rows to the balance sheet. Townships and villages come from the location codes (ZLDWDM) unless an administrative layer is given.&lt;/p&gt;&lt;p&gt;Where both years carry the deduction fields (KCXS, TBDLMJ/TBMJ) the workbook also holds the sheet in net area (after the 田坎 deduction), its start and end equal to the sum of TBDLMJ. &lt;b&gt;Targets&lt;/b&gt; (optional): a table (CSV or Excel) of each township's 耕地保有量 and 永久基本农田保护 targets in mu; the net sheet then shows target, end, surplus or shortfall and whether the target is met.&lt;/p&gt;</source>
      <translation>&lt;p&gt;比对两个年度的地类图斑（DLTB），把地类发生变化的每一处提取为变化图斑，记录变化前后地类、面积（CGCS2000 椭球面积，平方米和亩）及所在乡镇、村。&lt;/p&gt;&lt;p&gt;两年完全相同的图斑先行匹配，不参与叠加。边界误差造成的碎片（小于最小面积，或细长狭窄）不计入变化图斑，单独存入碎片图层并计数，不会悄悄丢失。&lt;/p&gt;&lt;p&gt;输出文件夹中的&lt;b&gt;成果&lt;/b&gt;：&lt;i&gt;changes.gpkg&lt;/i&gt;（图层 changes 和 dropped）、耕地进出平衡表 &lt;i&gt;balance.xlsx&lt;/i&gt;（按乡镇列出耕地按去向的减少、按来源的增加和净变化）及其图表 &lt;i&gt;balance.png&lt;/i&gt;。变化图斑加载时按耕地进出着色，可直接用于&lt;i&gt;图斑叠加分析与违法判定&lt;/i&gt;（图斑编号 change_id，前后地类 from_class、to_class）。&lt;/p&gt;&lt;p&gt;给出&lt;b&gt;永久基本农田&lt;/b&gt;和&lt;b&gt;生态保护红线&lt;/b&gt;时，平衡表增列其中耕地的进出。乡镇、村取自坐落单位代码（ZLDWDM），给出行政区图层时以行政区为准。&lt;/p&gt;&lt;p&gt;两个年度都带扣除字段（KCXS、TBDLMJ/TBMJ）时，工作簿另有扣除田坎等之后的净面积平衡表，其期初、期末等于 TBDLMJ 之和。&lt;b&gt;目标表&lt;/b&gt;（可选）：各乡镇耕地保有量和永久基本农田保护目标（CSV 或 Excel，单位亩）；净面积平衡表随之列出目标、期末、盈余或缺口及是否达标。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>&lt;p&gt;Overlays the monitoring patches on the baselines (permanent basic farmland, farmland, ecological protection red line, urban development boundary) and the exemptions (approved land use, facility-agriculture filings, temporary land use), and gives every patch a verdict (illegal, legal, to verify, below the mapping area) with the rule that decided it, the suggested measure and its reasons.&lt;/p&gt;&lt;p&gt;Any vector layer works: files, memory layers, PostGIS, and &lt;i&gt;selected features only&lt;/i&gt;. Every field of the patches is kept in the result. Areas are ellipsoidal (CGCS2000), as in the official survey; layers are brought into one Gauss-Kruger zone chosen from the patches unless a working CRS is given. Invalid geometries are repaired and reported, not skipped.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Farmland&lt;/b&gt;: give the land-parcel layer and its class field with the farmland codes (01* = every code starting with 01), or a layer holding only farmland with the class field cleared. Where it carries the deduction fields (KCXS, TBDLMJ/TBMJ) each patch also gets its net farmland area (after the 田坎 deduction), and where it carries owners (QSDWMC) its owner collective.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Class fields hold names&lt;/b&gt;: tick when the patches carry land-class names (DLMC, or older 二调 names such as 有林地, 村庄) instead of codes.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Previous batch's result&lt;/b&gt;: patches overlapping a patch of the previous batch by at least half of either are marked as sent again and take over its ledger entries.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Outputs&lt;/b&gt;: the patches with their verdicts, the overlaps (the part of each patch inside each baseline and exemption), styled by verdict and violation type when loaded, and the parcels behind each overlap (number, class, location and owner units, gross and net area). Optionally the full result GeoPackage, which also holds the run information and the engine's notes.&lt;/p&gt;</source>
      <translation>&lt;p&gt;将监测图斑与管控底线（永久基本农田、耕地、生态保护红线、城镇开发边界）及合法依据（批准用地、设施农用地备案、临时用地）进行叠加分析，逐个图斑给出判定结果（违法、合法、需核实、低于上图面积），以及作出判定的规则、建议整改措施和判定理由。&lt;/p&gt;&lt;p&gt;可使用任何矢量图层：文件、临时图层、PostGIS，以及&lt;i&gt;仅选中要素&lt;/i&gt;。结果保留图斑的全部字段。面积为 CGCS2000 椭球面积，与国土调查口径一致；除非指定工作坐标系，所有图层统一投影到按图斑经度确定的高斯-克吕格分带。无效几何会被自动修复并逐个提示，不会被跳过。&lt;/p&gt;&lt;p&gt;&lt;b&gt;耕地&lt;/b&gt;：选择地类图斑图层及其地类编码字段并填写耕地编码（01* 表示所有以 01 开头的编码）；若图层只含耕地，清空地类编码字段即可。图层带扣除字段（KCXS、TBDLMJ/TBMJ）时，每个图斑另给出扣除田坎等之后的耕地净面积；带权属字段（QSDWMC）时给出权属单位。&lt;/p&gt;&lt;p&gt;&lt;b&gt;地类字段为地类名称&lt;/b&gt;：监测图斑中是地类名称（DLMC，或二调名称如 有林地、村庄）而非地类编码时勾选。&lt;/p&gt;&lt;p&gt;&lt;b&gt;上一批次结果&lt;/b&gt;：与上一批次图斑的重叠面积达到任一方面积一半的图斑标为重复下发，沿用其台账填写内容。&lt;/p&gt;&lt;p&gt;&lt;b&gt;输出&lt;/b&gt;：带判定结果的图斑图层、叠加部分图层（各图斑落在各管控底线和合法依据内的部分，加载时按判定结果和违法类型着色），以及叠加部分对应的地块（图斑编号、地类、坐落单位与权属单位、毛面积和净面积）。可选输出完整结果 GeoPackage，其中还包含运行信息和分析提示。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>&lt;p&gt;Prepares the field verification of every patch an analysis result judged illegal or to verify, township by township, each township in a short driving order (核查顺序), and writes a self-contained pack into the output folder: it refers to nothing outside itself, so the folder can be copied or zipped to a tablet.&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.qgs&lt;/b&gt;: the project for QField (or QGIS), relative paths. Layers from the top: the patches (numbered by visiting order), the baselines (basic farmland, red line, urban boundary, farmland), the after-image and the before-image (switched off). The form has drop-down lists, a date picker for 核查日期, the result's fields read-only, the chips as pictures, a photo field (现场照片, stored in the pack's DCIM folder) and the verifier's position, recorded when a patch is saved in QField.&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.gpkg&lt;/b&gt;: the layer the field team edits; &lt;b&gt;参考图层.gpkg&lt;/b&gt;: the baselines near the patches; &lt;b&gt;影像&lt;/b&gt;: the images cut down to the patches' surroundings (tiled JPEG GeoTIFF with overviews).&lt;/p&gt;&lt;p&gt;&lt;b&gt;外业核查表.pdf&lt;/b&gt;: the field sheets, one page per patch in visiting order, with its map, the before and after chips with the images' dates, the result's values and boxes for the verifier. Written only when &lt;i&gt;Write the field sheets&lt;/i&gt; is checked.&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.kml / .kmz&lt;/b&gt;: the patches in CGCS2000 degrees, one folder per township, coloured by verdict, for 奥维互动地图 or Google Earth; the KMZ carries the chips in its balloons.&lt;/p&gt;&lt;p&gt;&lt;b&gt;chips&lt;/b&gt;: a JPEG of every patch from each image, its outline drawn in. The images are optional, read window by window however large; a patch outside an image is listed in the log. An image's date comes from its acquisition metadata, or from the date given here.&lt;/p&gt;&lt;p&gt;A folder whose 核查图斑.gpkg holds field work not yet imported is not written over unless &lt;i&gt;Replace field data that holds field work&lt;/i&gt; is checked; then a copy with the time in its name is kept. After the field work, the edited 核查图斑.gpkg comes back into the result through &lt;i&gt;Import verification results&lt;/i&gt; (also a button of the workspace, and the command line's &lt;i&gt;import-field&lt;/i&gt;), with the same checks as a ledger.&lt;/p&gt;</source>
      <translation>&lt;p&gt;为分析结果中判定为违法、需核实的图斑准备外业核查材料：按乡镇分组，每个乡镇内按较短的行车路线排定核查顺序，在输出文件夹中写出一个自成一体的外业数据包：包内不引用任何包外文件，整个文件夹可直接拷贝或压缩后带到平板上使用。&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.qgs&lt;/b&gt;：供 QField（或 QGIS）打开的工程，使用相对路径。图层自上而下为：核查图斑（标注核查顺序号）、管控底线（永久基本农田、生态保护红线、城镇开发边界、耕地）、后时相影像、前时相影像（默认不显示）。表单中核查结果等为下拉列表，核查日期用日历选择，分析结果字段只读，影像切片以图片显示，现场照片字段可拍照或选择照片（存入包内 DCIM 文件夹），在 QField 中保存图斑时自动记录核查人员所在位置。&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.gpkg&lt;/b&gt;：外业人员编辑的图层；&lt;b&gt;参考图层.gpkg&lt;/b&gt;：图斑附近的管控底线；&lt;b&gt;影像&lt;/b&gt;：裁切到图斑周边的影像（分块 JPEG 压缩的 GeoTIFF，含金字塔）。&lt;/p&gt;&lt;p&gt;&lt;b&gt;外业核查表.pdf&lt;/b&gt;：每个图斑一页，按核查顺序排列，包括位置图、标注影像日期的前后时相影像切片、分析结果信息以及核查人员填写栏。仅在勾选&lt;i&gt;输出外业核查表（PDF）&lt;/i&gt;时生成。&lt;/p&gt;&lt;p&gt;&lt;b&gt;核查图斑.kml / .kmz&lt;/b&gt;：CGCS2000 经纬度，按乡镇分组、按判定结果着色，可导入奥维互动地图或 Google Earth；KMZ 的气泡中带有影像切片。&lt;/p&gt;&lt;p&gt;&lt;b&gt;chips&lt;/b&gt;：从每幅影像中为每个图斑切取的 JPEG 切片，勾绘图斑边界。影像为可选项，再大也按窗口分块读取；影像不覆盖的图斑会在日志中列出。影像日期取自影像元数据中的拍摄日期，或在此处填写的日期。&lt;/p&gt;&lt;p&gt;如输出文件夹中的 核查图斑.gpkg 含有尚未导入的外业填写内容，除非勾选&lt;i&gt;替换含外业填写内容的外业数据&lt;/i&gt;，否则不会覆盖；勾选后原文件会另存一份带时间的备份。外业核查完成后，编辑后的 核查图斑.gpkg 可用&lt;i&gt;导入核查结果&lt;/i&gt;（工作台上也有此按钮，命令行为 &lt;i&gt;import-field&lt;/i&gt;）导回分析结果，检查方式与台账相同。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>&lt;p&gt;Reads a rectification ledger that analysts filled in (in Excel, WPS or LibreOffice), or the verification GeoPackage of a field pack (核查图斑.gpkg) as the field team edited it in QField or QGIS, checks every row against the analysis result by patch number, and writes the analysts' columns (verification result, site state, photo numbers, verifier and date, measure, progress, deadline, closing ...) into the result's patches layer. The file is only read.&lt;/p&gt;&lt;p&gt;Rows that match no patch, repeated patch numbers, edited result columns and values outside the allowed lists are errors: then nothing is written, and the log lists each one with its row and column. &lt;b&gt;Import despite errors&lt;/b&gt; skips the rows that cannot be matched and writes the rest.&lt;/p&gt;&lt;p&gt;Layers of the result open in the project are reloaded afterwards.&lt;/p&gt;</source>
      <translation>&lt;p&gt;读取核查人员填写后的整改台账（Excel、WPS 或 LibreOffice 均可），或外业人员在 QField / QGIS 中编辑过的外业核查包 GeoPackage（核查图斑.gpkg），按图斑编号逐行与分析结果核对，并将填写的各列（核查结果、现场现状、现场照片编号、核查人和核查日期、整改措施、整改进展、整改时限、是否销号等）写入结果的图斑图层。该文件只读取、不修改。&lt;/p&gt;&lt;p&gt;找不到对应图斑的行、重复的图斑编号、被改动的分析结果列以及不在下拉列表内的取值均为错误：此时不写入任何内容，日志中逐条列出其所在行和列。选择&lt;b&gt;有错误时仍然导入&lt;/b&gt;则跳过无法对应的行，写入其余内容。&lt;/p&gt;&lt;p&gt;导入后，项目中已打开的该结果图层会自动重新加载。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <source>&lt;p&gt;Runs the patch overlay analysis and violation verdict on the layers a job file names: the monitoring patches, the baselines (permanent basic farmland, farmland, ecological red line, urban development boundary), the exemptions (approvals, facility-agriculture filings, temporary use), the administrative units and the rule set. For batch runs and scripts; to pick layers of the project, use &lt;i&gt;Patch overlay analysis and violation verdict&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Job file&lt;/b&gt;: the YAML file that names the input files, their fields and the rule set (see resources/demo/job.yaml).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Previous batch's result&lt;/b&gt; (optional): the result.gpkg of the previous batch with its ledger imported. Patches overlapping a previous patch by at least half of either are marked as sent again (重复下发) and take over its ledger entries; a patch closed (销号) before is flagged to check again. It replaces the job file's &lt;i&gt;previous&lt;/i&gt; entry.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output folder&lt;/b&gt;: receives result.gpkg with the layers &lt;i&gt;patches&lt;/i&gt; (one feature per input patch, with its verdict, net farmland areas and owner), &lt;i&gt;overlaps&lt;/i&gt; (the area each patch occupies in each baseline) and &lt;i&gt;parcel_hits&lt;/i&gt; (the farmland and basic-farmland parcels behind each overlap, with their owners and gross and net areas), plus the run information and notes.&lt;/p&gt;</source>
      <translation>&lt;p&gt;按任务文件指定的图层运行图斑叠加分析与违法判定：监测图斑、管控底线（永久基本农田、耕地、生态保护红线、城镇开发边界）、合法依据（批准用地、设施农用地备案、临时用地）、行政区和规则集。适用于批处理和脚本；如需直接选择项目中的图层，请使用&lt;i&gt;图斑叠加分析与违法判定&lt;/i&gt;。&lt;/p&gt;&lt;p&gt;&lt;b&gt;任务文件&lt;/b&gt;：YAML 文件，指定输入文件、字段对应关系和规则集（参见 resources/demo/job.yaml）。&lt;/p&gt;&lt;p&gt;&lt;b&gt;上一批次结果&lt;/b&gt;（可选）：上一批次的 result.gpkg（已导入整改台账）。与上一批次图斑的重叠面积达到任一方面积一半的图斑标为重复下发，沿用其台账填写内容；上一批次已销号的图斑再次下发时标出，须重新核查。给出时取代任务文件中的 &lt;i&gt;previous&lt;/i&gt;。&lt;/p&gt;&lt;p&gt;&lt;b&gt;输出文件夹&lt;/b&gt;：写出 result.gpkg，包含图层 &lt;i&gt;patches&lt;/i&gt;（每个输入图斑一个要素，附判定结果、耕地净面积和权属单位）、&lt;i&gt;overlaps&lt;/i&gt;（各图斑占用各管控底线的面积）和 &lt;i&gt;parcel_hits&lt;/i&gt;（叠加部分对应的耕地、永久基本农田地块，附权属单位及毛面积、净面积），以及运行信息和分析提示。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>&lt;p&gt;Writes the rectification ledger of an analysis result as an Excel workbook: the sheet &lt;i&gt;整改台账&lt;/i&gt; under a title block, with one row per patch judged illegal or to verify (batch, patch type, township and village, areas, the flagged area and how much of it lies in farmland, basic farmland, the red line and outside the urban boundary, the approvals covering the patch, verdict, reasons and measure, and the columns analysts fill in: verification, rectification, case handling), printed on A3 with the key columns on every page; the sheet &lt;i&gt;汇总&lt;/i&gt; with totals by township, village and violation type; and &lt;i&gt;说明&lt;/i&gt; describing the inputs and rules.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Ledger template&lt;/b&gt; (optional): a YAML file choosing the columns, their order, headers and printed pages, for a province's own ledger (copy resources/ledger/default.yaml). &lt;b&gt;County&lt;/b&gt;, &lt;b&gt;Batch&lt;/b&gt;, &lt;b&gt;Reporting unit&lt;/b&gt; (optional) fill the title block instead of the job's values.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Result&lt;/b&gt;: the result GeoPackage of the analysis (result.gpkg, or the one kept by the layer analysis).&lt;/p&gt;&lt;p&gt;An existing ledger is replaced after a backup copy is made, and the values analysts wrote in it are carried into the new one. Values already imported into the result always come along.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Before image&lt;/b&gt;, &lt;b&gt;After image&lt;/b&gt; (optional): each adds a column of thumbnails at the end of the sheet, the image around every patch with its outline drawn in (red: illegal, orange: to verify). Patches outside an image are listed in the log.&lt;/p&gt;</source>
      <translation>&lt;p&gt;将分析结果导出为 Excel 整改台账：工作表 &lt;i&gt;整改台账&lt;/i&gt; 上方为标题栏，每个判定为违法或需核实的图斑一行（监测批次、图斑类型、乡镇和村、面积、认定面积及其中占耕地、永久基本农田、生态保护红线和位于城镇开发边界外的部分、覆盖图斑的批准文号、判定结果、判定理由和建议整改措施，以及供核查人员填写的核查、整改、查处情况各列），按 A3 横向打印，每页重复关键列；工作表 &lt;i&gt;汇总&lt;/i&gt; 按乡镇、村和违法类型汇总；&lt;i&gt;说明&lt;/i&gt; 记录输入数据和规则。&lt;/p&gt;&lt;p&gt;&lt;b&gt;台账模板&lt;/b&gt;（可选）：选择台账的列、顺序、表头和打印分页的 YAML 文件，用于省级规定的台账格式（复制 resources/ledger/default.yaml 修改）。&lt;b&gt;标题中的县&lt;/b&gt;、&lt;b&gt;标题中的监测批次&lt;/b&gt;、&lt;b&gt;填报单位&lt;/b&gt;（可选）代替任务文件中的值填入标题栏。&lt;/p&gt;&lt;p&gt;&lt;b&gt;分析结果&lt;/b&gt;：分析得到的结果 GeoPackage（result.gpkg，或图层分析时保留的完整结果）。&lt;/p&gt;&lt;p&gt;已有的台账会先备份再替换，其中已填写的内容会带入新台账；已导入结果中的内容总会带入。&lt;/p&gt;&lt;p&gt;&lt;b&gt;前时相影像&lt;/b&gt;、&lt;b&gt;后时相影像&lt;/b&gt;（可选）：每给出一幅影像，台账末尾增加一列缩略图，显示每个图斑周围的影像并勾绘图斑边界（红色为违法，橙色为需核实）。不在影像范围内的图斑在日志中列出。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>A Processing provider with the id {0} is already registered.</source>
      <translation>已注册 ID 为 {0} 的处理工具提供者。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/zone_rows.py" />
      <source>A baseline the job file adds itself, shown by its name in the results and the ledger. Its name, carried fields and filter are changed in the job file.</source>
      <translation>任务文件自行添加的底线图层，在结果和台账中以其名称显示。名称、带出字段和筛选条件请在任务文件中修改。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>A polygon layer of the project.</source>
      <translation>当前工程中的面图层。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Add a layer from a file</source>
      <translation>从文件添加图层</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Add the layers of a job file (YAML, as the command line uses it) to the project and fill in this form.</source>
      <translation>将任务文件（YAML，与命令行所用相同）中的图层加入工程，并填好本表。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Administrative divisions</source>
      <translation>行政区</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Administrative units (optional; else the location codes)</source>
      <translation>行政区（可选；不给则按坐落单位代码）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Administrative units (townships, villages)</source>
      <translation>行政区（乡镇、村）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Administrative units: township name field</source>
      <translation>行政区：乡镇名称字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Administrative units: village name field</source>
      <translation>行政区：村名称字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>After image</source>
      <translation>后时相影像</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>After image (thumbnail column)</source>
      <translation>后时相影像（缩略图列）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>After image date (e.g. 2024-10-01)</source>
      <translation>后时相影像日期（如 2024-10-01）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>All</source>
      <translation>全部</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>All files</source>
      <translation>所有文件</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <source>An existing ledger of that name is replaced after a backup copy is made; the values analysts wrote in it are kept.</source>
      <translation>同名台账先备份再替换，其中已填写的内容会保留。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Analysis result (GeoPackage)</source>
      <translation>分析结果（GeoPackage）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Analysis result to update (GeoPackage)</source>
      <translation>要更新的分析结果（GeoPackage）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Analysis started; output folder {0}</source>
      <translation>分析已开始，输出文件夹 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Approval / filing number</source>
      <translation>批准文号／备案编号</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Approved land use</source>
      <translation>批准用地</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Approved land use (conversion, supply)</source>
      <translation>批准用地（农用地转用、供地）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Approved land use: approval number field</source>
      <translation>批准用地：批准文号字段</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Baselines</source>
      <translation>管控底线（三区三线）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Before image</source>
      <translation>前时相影像</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Before image (thumbnail column)</source>
      <translation>前时相影像（缩略图列）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Before image date (e.g. 2023-10-01)</source>
      <translation>前时相影像日期（如 2023-10-01）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Bring a filled-in ledger (Excel) or the field team's GeoPackage back into this result, with the same checks; the list is refreshed afterwards.</source>
      <translation>将填写后的整改台账（Excel）或外业核查 GeoPackage 导入本结果，核对规则相同；导入后列表自动刷新。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/gui/run_page.py" />
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <location filename="../../plugin/qgis_io/engine_run.py" />
      <source>Cancelled: nothing was written.</source>
      <translation>已取消，未写出任何结果。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/qfield_project.py" />
      <source>Cannot open the field data {0}</source>
      <translation>无法打开外业数据 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/field_sheets.py" />
      <source>Cannot read the layout template {0}</source>
      <translation>无法读取版式模板 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/qfield_project.py" />
      <source>Cannot write the QField project {0}</source>
      <translation>无法写出 QField 工程 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Change patches</source>
      <translation>变化图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>Change patches from two survey years</source>
      <translation>从两期地类图斑提取变化图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Change patches from two survey years and farmland balance</source>
      <translation>两期地类图斑变化提取与耕地进出平衡</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Check data</source>
      <translation>检查数据</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Choose a layer</source>
      <translation>选择图层</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>Choose the layer of monitoring patches.</source>
      <translation>请选择监测图斑图层。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Choose the project's layers by their survey names (JCTB, DLTB, YJJBNTTB, STBHHX, CZKFBJ, XZQ …) for every input still empty.</source>
      <translation>按调查数据库的图层名（JCTB、DLTB、YJJBNTTB、STBHHX、CZKFBJ、XZQ 等）为尚未指定的输入自动选择工程中的图层。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Class after</source>
      <translation>现地类</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Class before</source>
      <translation>前地类</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Codes to keep, separated by commas; a trailing * keeps every code that starts so (01* = 0101, 0102, 0103 and their K variants).</source>
      <translation>保留的地类编码，用逗号分隔；末尾加 * 表示保留以此开头的所有编码（01* 即 0101、0102、0103 及其 K 类）。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/algorithm_inputs.py" />
      <source>Copying layer {0} for the analysis</source>
      <translation>正在复制图层 {0} 供分析使用</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/layer_inputs.py" />
      <source>Could not copy layer {0} for the analysis: {1}</source>
      <translation>无法复制图层 {0} 供分析使用：{1}</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Could not open the layer given as {0}.</source>
      <translation>无法打开作为“{0}”的图层。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>County in the title</source>
      <translation>标题中的县 (市、区)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Default county rule set</source>
      <translation>默认县级规则集</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>Derive change patches…</source>
      <translation>提取变化图斑…</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/messages.py" />
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Dropped slivers</source>
      <translation>剔除的碎片</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Earlier ledger whose filled-in values are carried over</source>
      <translation>沿用其中填写内容的原台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Ecological protection red line</source>
      <translation>生态保护红线</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Ecological protection red line (optional)</source>
      <translation>生态保护红线（可选）</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Enable the Processing plugin to run the analysis.</source>
      <translation>请先启用“处理”(Processing) 插件再运行分析。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Errors found</source>
      <translation>发现的错误数</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Every patch, not only those judged illegal or to verify</source>
      <translation>列出全部图斑，而不仅是判定为违法或需核实的图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Every run writes a new dated folder here with result.gpkg and the copies of layers that are not files.</source>
      <translation>每次运行都在此处新建一个以时间命名的文件夹，写入 result.gpkg 以及非文件图层的副本。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Excel workbook (*.xlsx)</source>
      <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <source>Export ledger</source>
      <translation>导出整改台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Export ledger…</source>
      <translation>导出整改台账…</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Export rectification ledger</source>
      <translation>导出整改台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Facility agriculture filings</source>
      <translation>设施农用地备案</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Facility agriculture: filing number field</source>
      <translation>设施农用地：备案编号字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Facility-agriculture filings</source>
      <translation>设施农用地备案</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Farmland</source>
      <translation>耕地</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Farmland (land-parcel layer, e.g. DLTB)</source>
      <translation>耕地（地类图斑图层，如 DLTB）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Farmland balance chart (PNG)</source>
      <translation>耕地进出平衡图（PNG）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Farmland balance sheet (Excel)</source>
      <translation>耕地进出平衡表（Excel）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Farmland codes</source>
      <translation>耕地地类编码</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Farmland layer: farmland class codes (01* = every code starting 01)</source>
      <translation>耕地图层：耕地地类编码（01* 表示所有以 01 开头的编码）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Farmland layer: land-class field (empty: every feature is farmland)</source>
      <translation>耕地图层：地类编码字段（留空则全部要素均视为耕地）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Field data (GeoPackage)</source>
      <translation>核查图斑 GeoPackage</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Field data (KML)</source>
      <translation>核查图斑 KML</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Field data with chips (KMZ)</source>
      <translation>含影像切片的外业数据（KMZ）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Field sheets (PDF)</source>
      <translation>外业核查表 PDF</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Field sheets (PDF), image chips, a GeoPackage and QField project for the field team, and KML/KMZ, for every flagged patch of this result.</source>
      <translation>为本次结果中每个违法、需核实图斑生成外业核查表 (PDF)、影像切片、外业用 GeoPackage 与 QField 工程，以及 KML/KMZ。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Field verification pack ready: {0} patches.</source>
      <translation>外业核查材料已生成：{0} 个图斑。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Filled-in ledger (Excel) or field data (GeoPackage)</source>
      <translation>填写后的整改台账（Excel）或外业核查数据（GeoPackage）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Fix the problems marked in red before running.</source>
      <translation>请先修正标红的问题再运行。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Flagged area (mu)</source>
      <translation>认定亩数</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>For a land-parcel layer (DLTB): the field of the land-class code. Leave it empty when the layer holds farmland only.</source>
      <translation>用地类图斑图层（DLTB）时：地类编码所在字段。图层只含耕地时留空。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Full result GeoPackage (with run information and notes)</source>
      <translation>完整结果 GeoPackage（含运行信息和提示）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>GeoTIFF (*.tif *.tiff *.TIF);;All files (*.*)</source>
      <translation>GeoTIFF (*.tif *.tiff *.TIF);;所有文件 (*.*)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Help</source>
      <translation>帮助</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Ignore overlaps under</source>
      <translation>忽略小于此面积的重叠</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Illegal patches</source>
      <translation>违法图斑数</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Import despite errors</source>
      <translation>有错误时仍然导入</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Import verification results</source>
      <translation>导入核查结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Import verification…</source>
      <translation>导入核查结果…</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <source>Job file (YAML)</source>
      <translation>任务文件（YAML）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <source>Job files (*.yaml *.yml)</source>
      <translation>任务文件 (*.yaml *.yml)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Job name</source>
      <translation>任务名称</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/messages.py" />
      <location filename="../../plugin/plugin.py" />
      <location filename="../../plugin/processing/provider.py" />
      <source>Land Supervision</source>
      <translation>土地监管</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Land class</source>
      <translation>地类编码字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Land class before (field with DLBM codes)</source>
      <translation>前地类（地类编码字段）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Land class now (field with DLBM codes)</source>
      <translation>现地类（地类编码字段）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Land parcels of the earlier year (DLTB)</source>
      <translation>前一年度地类图斑（DLTB）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Land parcels of the later year (DLTB)</source>
      <translation>本年度地类图斑（DLTB）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Land supervision inputs</source>
      <translation>土地监管输入数据</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Land supervision: export ledger</source>
      <translation>土地监管：导出整改台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Land supervision: patch overlay analysis</source>
      <translation>土地监管：图斑叠加分析</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Land supervision: patch verification</source>
      <translation>土地监管图斑核查</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Land supervision: reading the result</source>
      <translation>土地监管：读取分析结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Land-class code (DLBM) after the change.</source>
      <translation>变化后的地类编码（DLBM）。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Land-class code (DLBM) before the change.</source>
      <translation>变化前的地类编码（DLBM）。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Land-class field</source>
      <translation>地类编码字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Land-class field (in both years)</source>
      <translation>地类编码字段（两年相同）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Layer {0} (administrative units): choose its township or village field.</source>
      <translation>图层 {0}（行政区）：请选择其乡镇或村名称字段。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Layer {0} ({1}) has no coordinate reference system: set its CRS in the layer properties first.</source>
      <translation>图层 {0}（{1}）没有坐标参照系：请先在图层属性中设置坐标系。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Layer {0} ({1}) holds {2} geometries: the analysis needs polygons.</source>
      <translation>图层 {0}（{1}）的几何类型为 {2}：叠加分析需要面图层。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/algorithm_inputs.py" />
      <source>Layer {0} ({1}): QGIS shows its text in the wrong encoding ({2}). Set the encoding {3} in the layer's properties (Source tab), or give the whole layer instead of a selection.</source>
      <translation>图层 {0}（{1}）：QGIS 以错误的编码（{2}）显示其文字。请在图层属性（源）中把编码设为 {3}，或改用整个图层而非所选要素。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/algorithm_inputs.py" />
      <source>Layer {0} ({1}): its text is neither UTF-8 nor GBK ({2}).</source>
      <translation>图层 {0}（{1}）：属性文字既非 UTF-8 也非 GBK（{2}）。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Layer {0} has no field {1} (chosen as: {2}). Its fields: {3}</source>
      <translation>图层 {0} 没有字段 {1}（选作：{2}）。该图层的字段：{3}</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Layer {0}: give the farmland class codes (such as 01*), or clear the land-class field to count every feature as farmland.</source>
      <translation>图层 {0}：请填写耕地地类编码（如 01*），或清空地类编码字段以将全部要素视为耕地。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/layer_inputs.py" />
      <source>Layer {0}: its field {1} becomes the feature id of the copy the analysis reads, so it must hold distinct whole numbers: {2}</source>
      <translation>图层 {0}：字段 {1} 将作为分析所用副本的要素编号，必须是互不重复的整数：{2}</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/layer_inputs.py" />
      <source>Layer {0}: its field {1} is analysed as {2} (fid names the feature ids).</source>
      <translation>图层 {0}：字段 {1} 在分析中改名为 {2}（fid 表示要素编号）。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/algorithm_inputs.py" />
      <source>Layer {0}: {1}; QGIS shows it as {2}. The analysis reads it as {3}.</source>
      <translation>图层 {0}：{1}；QGIS 按 {2} 显示，分析按 {3} 读取。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/ledger_dialog.py" />
      <source>Ledger file</source>
      <translation>台账文件</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Ledger or field data (*.xlsx *.gpkg);;Excel workbook (*.xlsx);;GeoPackage (*.gpkg)</source>
      <translation>台账或外业数据 (*.xlsx *.gpkg);;Excel 工作簿 (*.xlsx);;GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Ledger rows matched</source>
      <translation>匹配的台账行数</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Ledger template</source>
      <translation>台账模板</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Ledger template (*.yaml *.yml);;All files (*.*)</source>
      <translation>台账模板 (*.yaml *.yml);;所有文件 (*.*)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Ledger written: {0} patches.</source>
      <translation>整改台账已导出：{0} 个图斑。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Legal cover</source>
      <translation>合法依据</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Listed: &lt;b&gt;{0}&lt;/b&gt; patches ({1} illegal, {2} to verify); flagged area &lt;b&gt;{3}&lt;/b&gt; mu, patch area {4} mu</source>
      <translation>列表中 &lt;b&gt;{0}&lt;/b&gt; 个图斑（违法 {1}，需核实 {2}）；认定面积 &lt;b&gt;{3}&lt;/b&gt; 亩，图斑面积 {4} 亩</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Location code field (township and village)</source>
      <translation>坐落单位代码字段（乡镇、村）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Monitoring batch in the title</source>
      <translation>标题中的监测批次</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Monitoring patches</source>
      <translation>监测图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Named in the reasons of patches it covers.</source>
      <translation>写入所覆盖图斑的判定理由。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Names the result layer and the ledger's notes.</source>
      <translation>用于命名结果图层和台账说明。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>No baseline layer is chosen: patches can only be judged by their land classes.</source>
      <translation>未选择任何管控底线图层：只能按地类判定图斑。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>No farmland or basic-farmland parcel layer with survey attributes was given: no parcels behind the overlaps.</source>
      <translation>未给出带调查属性的耕地或永久基本农田地块图层：不输出叠加部分对应的地块。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>No monitoring patches? Compare the land parcels (DLTB) of two survey years: every change becomes a patch to verify, and the farmland balance sheet is written beside it.</source>
      <translation>没有监测图斑？比对两个年度的地类图斑（DLTB）：每处变化都成为待核查图斑，并同时生成耕地进出平衡表。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>No problems found.</source>
      <translation>未发现问题。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>No result yet: run the analysis.</source>
      <translation>尚无结果：请先运行分析。</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/engine_run.py" />
      <source>No separate Python found for the analysis: it runs inside QGIS, slower.</source>
      <translation>未找到可单独运行分析的 Python，分析在 QGIS 进程内进行，速度较慢。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>None: every patch is new</source>
      <translation>不选：全部按新下发图斑处理</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Not started: {0} problems marked in red must be fixed first.</source>
      <translation>未开始运行：请先修正 {0} 个标红的问题。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Number of patches</source>
      <translation>图斑数</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Open PDF</source>
      <translation>打开 PDF</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>Open balance sheet</source>
      <translation>打开平衡表</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>Open chart</source>
      <translation>打开图表</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Open folder</source>
      <translation>打开文件夹</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Open job file</source>
      <translation>打开任务文件</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Open job file…</source>
      <translation>打开任务文件…</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>Open ledger</source>
      <translation>打开台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Open result folder</source>
      <translation>打开结果文件夹</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Open the plugin's help page</source>
      <translation>打开插件帮助页面</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Open the workspace: choose the layers, run the analysis, go through the results</source>
      <translation>打开工作台：选择图层、运行分析、逐个查看结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/input_styles.py" />
      <source>Other features</source>
      <translation>其他要素</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Overlaps</source>
      <translation>叠加部分</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Overlaps smaller than this count as no overlap (slivers between layers drawn from different sources).</source>
      <translation>小于此面积的重叠按未占用计（不同来源图层之间的细碎缝隙）。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Parcels behind each overlap</source>
      <translation>叠加部分对应的地块</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Patch area (mu)</source>
      <translation>图斑面积（亩）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/gui/results_model.py" />
      <source>Patch number</source>
      <translation>图斑编号</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Patch number field (e.g. JCBH)</source>
      <translation>图斑编号字段（如 JCBH）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Patch overlay analysis and violation verdict</source>
      <translation>图斑叠加分析与违法判定</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Patch overlay analysis and violation verdict…</source>
      <translation>图斑叠加分析与违法判定…</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/job_state.py" />
      <source>Patch verdicts {0}</source>
      <translation>图斑判定结果 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/base_algorithm.py" />
      <source>Patch verification</source>
      <translation>图斑核查</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/job_state.py" />
      <source>Patch verification results</source>
      <translation>图斑核查成果</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Patch verification workspace</source>
      <translation>图斑核查工作台</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Patches changed</source>
      <translation>有变化的图斑数</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Patches in the field pack</source>
      <translation>核查图斑数</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Patches in the ledger</source>
      <translation>台账中的图斑数</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Patches to verify</source>
      <translation>待核查图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Patches with verdicts</source>
      <translation>图斑判定结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Permanent basic farmland</source>
      <translation>永久基本农田</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Permanent basic farmland (optional)</source>
      <translation>永久基本农田（可选）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Prepare field verification</source>
      <translation>准备外业核查</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Prepare field verification…</source>
      <translation>准备外业核查…</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Previous batch</source>
      <translation>上一批次</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/base_algorithm.py" />
      <source>Previous batch's result (result.gpkg; patches overlapping its patches take over their ledger entries)</source>
      <translation>上一批次结果（result.gpkg；与其图斑重叠的图斑沿用其台账填写内容）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/base_algorithm.py" />
      <source>Previous batch: overlap share of either patch that makes it the same ground</source>
      <translation>上一批次：重叠面积达到任一图斑面积的此比例即视为同一地块</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Previous year's land parcels</source>
      <translation>上年度地类图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Previous year's land parcels (before class where patches have none)</source>
      <translation>上年度地类图斑（图斑无前地类时据此确定）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Previous year's parcels: land-class field</source>
      <translation>上年度地类图斑：地类编码字段</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Previous year's survey (optional)</source>
      <translation>上年度变更调查（可选）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Progress</source>
      <translation>整改进展</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>QField project</source>
      <translation>QField 工程</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>QGIS cannot open the result.</source>
      <translation>QGIS 无法打开分析结果。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>QGIS cannot open {0}.</source>
      <translation>QGIS 无法打开 {0}。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>QGIS cannot read {0} as a vector layer.</source>
      <translation>QGIS 无法将 {0} 作为矢量图层读取。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Read the result again, e.g. after a filled-in ledger was imported into it.</source>
      <translation>重新读取结果，例如导入已填写的台账之后。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Reason: {0}
Measure: {1}</source>
      <translation>判定理由：{0}
整改措施：{1}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Recognise layers</source>
      <translation>自动识别图层</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/base_algorithm.py" />
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Rectification ledger</source>
      <translation>整改台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Refresh</source>
      <translation>刷新</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Replace field data that holds field work (a copy is kept)</source>
      <translation>替换含外业填写内容的外业数据（保留备份）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/export_ledger_algorithm.py" />
      <source>Reporting unit</source>
      <translation>填报单位</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <source>Result GeoPackage</source>
      <translation>结果 GeoPackage</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Result GeoPackage (*.gpkg)</source>
      <translation>分析结果 GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>Result of the previous batch</source>
      <translation>上一批次结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Rule set</source>
      <translation>规则集</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Rule set (YAML; empty: the default county rules)</source>
      <translation>规则集（YAML；留空使用默认县级规则）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Rule sets (*.yaml *.yml)</source>
      <translation>规则集 (*.yaml *.yml)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>Run analysis</source>
      <translation>运行分析</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_job_algorithm.py" />
      <source>Run patch verification from a job file</source>
      <translation>按任务文件运行图斑核查</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Severity</source>
      <translation>严重程度</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/messages.py" />
      <source>Show log</source>
      <translation>查看日志</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Slivers: and mean width below (m)</source>
      <translation>碎片：且平均宽度小于（米）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Slivers: compactness 4πA/P² below</source>
      <translation>碎片：紧凑度 4πA/P² 小于</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Smallest change patch (m²)</source>
      <translation>最小变化图斑面积（平方米）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Smallest overlap counted (m²)</source>
      <translation>计入的最小叠加面积（平方米）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>Starting…</source>
      <translation>正在启动…</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Target tables (*.csv *.xlsx)</source>
      <translation>目标表 (*.csv *.xlsx)</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Temporary land use</source>
      <translation>临时用地</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Temporary land use: approval number field</source>
      <translation>临时用地：批准文号字段</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The analysis cannot start.</source>
      <translation>分析无法开始。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The analysis cannot start: {0}</source>
      <translation>无法开始分析：{0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The analysis failed unexpectedly.</source>
      <translation>分析意外失败。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The analysis failed; see the log.</source>
      <translation>分析出错，详见日志。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The analysis stopped on bad input.</source>
      <translation>输入数据有误，分析已停止。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>The class a patch had before, where the patches carry none; and the owners of the land it covers.</source>
      <translation>监测图斑没有前地类字段时，按上年度地类图斑确定前地类；也用于确定权属单位。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>The class field holds land-class names (DLMC, 二调 names), not codes</source>
      <translation>地类字段为地类名称（DLMC 或二调名称），而非地类编码</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>The class fields hold land-class names (DLMC, 二调 names), not codes</source>
      <translation>地类字段为地类名称（DLMC 或二调名称），而非地类编码</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>The class fields hold names (DLMC, 二调 names)</source>
      <translation>地类字段为地类名称（DLMC、二调名称）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>The engine's result has no layer {0}.</source>
      <translation>分析结果中没有图层 {0}。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>The field data held field work; it was copied to {0}</source>
      <translation>原外业数据含外业填写内容，已备份为 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/qgis_io/field_sheets.py" />
      <source>The field sheets could not be written: {0}</source>
      <translation>外业核查表输出失败：{0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>The file holds several layers:</source>
      <translation>该文件包含多个图层：</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The help page is not installed with the plugin.</source>
      <translation>插件中没有帮助页面。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>The help page {0} is missing from the plugin folder; install the plugin again from its zip.</source>
      <translation>插件文件夹中缺少帮助页面 {0}；请用插件安装包重新安装。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>The job file cannot be used: {0}</source>
      <translation>无法使用该任务文件：{0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>The ledger export failed unexpectedly.</source>
      <translation>台账导出意外失败。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>The ledger has {0} errors: nothing was written. Correct the ledger and import it again, or import despite errors.</source>
      <translation>台账中有 {0} 处错误，未写入任何内容。请改正台账后重新导入，或选择“有错误时仍然导入”。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>The ledger was not written.</source>
      <translation>台账未导出。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>The monitoring number (JCBH) that keys the ledger.</source>
      <translation>监测编号（JCBH），整改台账按此对应图斑。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>The previous batch's result {0} does not exist; choose it again or clear the field.</source>
      <translation>上一批次结果 {0} 不存在；请重新选择，或清空该项。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/data_page.py" />
      <source>The result (result.gpkg) of the previous batch, with its ledger imported. A patch overlapping a previous one by half of either is marked as sent again and takes over its ledger entries (check, rectification, case handling); one closed before is flagged to check again, never closed silently.</source>
      <translation>上一批次的分析结果（result.gpkg，已导入其整改台账）。与上一批次图斑的重叠面积达到任一方面积一半的图斑标为重复下发，沿用其台账填写内容（核查、整改、查处情况）；上一批次已销号的图斑再次下发时标出，须重新核查，不会自动视为销号。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>The rule set file {0} does not exist; choose another or clear the field to use the default rule set.</source>
      <translation>规则集文件 {0} 不存在；请另选，或清空此项以使用默认规则集。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>The working CRS {0} is geographic: choose a projected CRS (a Gauss-Kruger zone) or leave it empty.</source>
      <translation>工作坐标系 {0} 是地理坐标系：请选择投影坐标系（高斯-克吕格分带）或留空。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>The zones the job file adds itself (nature reserves, water source protection areas …).</source>
      <translation>任务文件自行添加的管控区域（自然保护地、饮用水水源保护区等）。</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>This dialog has no place for the workspace's {}: they are not part of a run from here. Run the analysis from the workspace to include them.</source>
      <translation>此对话框无法带上工作台中的{}：从这里运行的分析不包含它们。请在核查工作台中运行分析，以包含这些内容。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Tick when the fields hold land-class names such as 旱地 or the older 二调 names (有林地, 村庄 …) instead of DLBM codes: they are read as the 三调 codes of the plugin's name table, and every name used is listed in the result's notes.</source>
      <translation>字段中是地类名称（如 旱地，或二调名称 有林地、村庄 等）而不是地类编码 DLBM 时勾选：按插件的地类名称表读作三调地类编码，用到的每个名称都列在结果的提示表中。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Township</source>
      <translation>乡镇</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Township name</source>
      <translation>乡镇名称</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Township name field</source>
      <translation>乡镇名称字段</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Townships' protection targets (CSV or Excel, mu; optional)</source>
      <translation>各乡镇耕地保护目标（CSV 或 Excel，单位亩；可选）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/import_ledger_algorithm.py" />
      <source>Updated analysis result</source>
      <translation>更新后的分析结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Urban development boundary</source>
      <translation>城镇开发边界</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>Vector data</source>
      <translation>矢量数据</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Verdict</source>
      <translation>判定</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Village</source>
      <translation>村</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/field_mapping.py" />
      <source>Village name</source>
      <translation>村名称</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/derive_changes_algorithm.py" />
      <source>Village name field</source>
      <translation>村名称字段</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Violation type</source>
      <translation>违法类型</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_layers_algorithm.py" />
      <source>Working CRS (projected; empty: the Gauss-Kruger zone of the patches)</source>
      <translation>工作坐标系（投影坐标系；留空则按图斑所在高斯-克吕格 3 度带）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Write the field sheets (PDF)</source>
      <translation>输出外业核查表（PDF）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_page.py" />
      <source>Write the rectification ledger (Excel) of the flagged patches, or of every patch, optionally with before/after image thumbnails; the values analysts filled in an earlier ledger of the same name are kept.</source>
      <translation>导出违法、需核实图斑（或全部图斑）的整改台账（Excel），可附前后时相影像缩略图；同名旧台账中已填写的内容会保留。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Writing the QField project</source>
      <translation>输出 QField 工程</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>Writing the QField project and the field sheets</source>
      <translation>输出 QField 工程与外业核查表</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>Zone</source>
      <translation>管控区域</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/zone_rows.py" />
      <source>Zone of the job file, key {0}</source>
      <translation>任务文件中的管控区域，键 {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_model.py" />
      <source>Zones</source>
      <translation>所在管控区域</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/analyse_dialog.py" />
      <source>carried fields {} of {}</source>
      <translation>携带字段 {}（{}）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>change patches</source>
      <translation>变化图斑</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/run_page.py" />
      <source>e.g. County X, first batch of 2024</source>
      <translation>如：示范县 2024 年度第一批</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/result_actions.py" />
      <source>rectification ledger</source>
      <translation>整改台账</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/analyse_dialog.py" />
      <source>rule list {}</source>
      <translation>规则列表 {}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/analyse_dialog.py" />
      <source>zone {}</source>
      <translation>管控区域“{}”</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0} (layer {1})</source>
      <translation>{0}（图层 {1}）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>{0} (most severe)</source>
      <translation>{0}（最严重）</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/changes_step.py" />
      <source>{0} change patches ({1} slivers left out); they are now the patches to verify.</source>
      <translation>变化图斑 {0} 个（另剔除碎片 {1} 个），已设为待核查图斑。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>{0} more notes are in the result's notes table.</source>
      <translation>另有 {0} 条提示见结果的 notes 表。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>{0} notes on the input are in the log.</source>
      <translation>输入数据提示 {0} 条，见日志。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/results_panel.py" />
      <source>{0} or more</source>
      <translation>{0} 及以上</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/dock.py" />
      <source>{0} patches analysed: {1} illegal, {2} to verify, {3} lawful.</source>
      <translation>共分析 {0} 个图斑：违法 {1} 个，需核实 {2} 个，合法 {3} 个。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/fieldpack_algorithm.py" />
      <source>{0} patches to verify in the field, {1} image chips</source>
      <translation>外业核查图斑 {0} 个，影像切片 {1} 张</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/job_state.py" />
      <source>{0} verdicts</source>
      <translation>{0} 判定结果</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: choose the field of {1}; without it no patch can be judged or found in the ledger.</source>
      <translation>{0}：请选择{1}字段；缺少它图斑无法判定，也无法在台账中对应。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: field {1} ({2}) is not in the layer.</source>
      <translation>{0}：图层中没有字段 {1}（{2}）。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: field {1}, which the job file names, is not in the layer.</source>
      <translation>{0}：任务文件中写明的字段 {1} 不在该图层中。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: give the land-class codes to keep, e.g. 01*.</source>
      <translation>{0}：请填写要保留的地类编码，如 01*。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: no field for {1}.</source>
      <translation>{0}：未指定{1}字段。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: not a polygon layer; only polygons can be overlaid.</source>
      <translation>{0}：不是面图层，只有面图层才能叠加分析。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the chosen layer is no longer in the project; choose it again.</source>
      <translation>{0}：所选图层已不在工程中，请重新选择。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the class filter field {1} is not in the layer.</source>
      <translation>{0}：图层中没有地类编码字段 {1}。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the coordinates do not fit the layer's coordinate reference system ({1}). {2}</source>
      <translation>{0}：坐标与图层的坐标系（{1}）不符。{2}</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the job file's zone has no layer; choose its layer, or open a job file without it.</source>
      <translation>{0}：任务文件中的这一管控区域没有图层；请选择它的图层，或打开不含它的任务文件。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the layer has no coordinate reference system. Set it in the layer's properties (Source tab), e.g. CGCS2000 / 3-degree Gauss-Kruger.</source>
      <translation>{0}：图层没有坐标系。请在图层属性的“源”选项卡中设置，如 CGCS2000 3 度带高斯-克吕格投影。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the layer has no features.</source>
      <translation>{0}：图层中没有要素。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: the text of the shapefile is neither UTF-8 nor GBK ({1}).</source>
      <translation>{0}：shapefile 的属性文字既非 UTF-8 也非 GBK（{1}）。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: {1} geometries are invalid; the analysis repairs them and lists each repair in the result's notes.</source>
      <translation>{0}：有 {1} 个几何无效，分析时将自动修复，并在结果的提示（notes）表中逐条列出。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: {1} of the first {2} geometries are invalid; the analysis repairs them and lists each repair in the result's notes.</source>
      <translation>{0}：有 {1} 个几何无效（仅检查了前 {2} 个），分析时将自动修复，并在结果的提示（notes）表中逐条列出。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: {1}; QGIS shows its text garbled. Choose the layer again, or set the encoding {2} in the layer's properties (Source tab).</source>
      <translation>{0}：{1}，QGIS 显示为乱码。请重新选择该图层，或在图层属性（源）中把编码设为 {2}。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/checks.py" />
      <source>{0}: {2}; it is read as {1}.</source>
      <translation>{0}：{2}，已按 {1} 读取。</translation>
    </message>
    <message>
      <location filename="../../plugin/gui/role_widgets.py" />
      <source>{1}: read as {0}.</source>
      <translation>{1}，已按 {0} 读取。</translation>
    </message>
  </context>
</TS>
