"""Headless entry point: ``/usr/bin/python3 -m plugin.cli analyse JOB.yaml --out DIR``.

Also ``ledger``, ``import-ledger``, ``derive-changes``, ``fieldpack``, ``import-field`` and
``analyse-region`` (``-h`` on each). Exit codes: 0 done, 2 bad input (the message names layer,
feature and field; for a region: a county failed, the others are written) or a Python module
this installation lacks (the message says how to add it), 3 cancelled, 1 when an import found
errors and wrote nothing.
"""

import argparse
import os
import signal
import sys
from concurrent.futures.process import BrokenProcessPool

from . import dependencies
from .bundled import use_bundled_modules
from .core.errors import Cancelled, InputError

#: The job behind each sub-command, for the optional modules it needs.
COMMAND_FEATURES = {
    "analyse": dependencies.ANALYSE,
    "ledger": dependencies.LEDGER_EXPORT,
    "import-ledger": dependencies.LEDGER_IMPORT,
    "import-field": dependencies.LEDGER_IMPORT,
    "derive-changes": dependencies.DERIVE_CHANGES,
    "fieldpack": dependencies.FIELDPACK,
    "analyse-region": dependencies.REGION,
}


def _progress_printer(quiet):
    last = [-1]

    def report(fraction, message):
        pct = int(fraction * 100)
        if not quiet and pct // 5 != last[0] // 5:
            print(f"[{pct:3d}%] {message}", file=sys.stderr, flush=True)
        last[0] = pct
    return report


def _print_summary(result, verbose):
    for line in result.summary_lines():
        print(line)
    if verbose:
        for note in result.notes:
            print(f"  - {note}")


def cmd_analyse(args):
    from .core.analysis import run_analysis
    from .core.job import load_job

    job = load_job(args.job)
    if args.previous:
        from .core.job import previous_from_job
        job.previous = previous_from_job({"path": args.previous, "min_overlap": args.previous_overlap},
                                         os.getcwd(), "--previous")
    if args.json:
        from .core.process_protocol import json_progress, write_result
        write_result(run_analysis(job, args.out, progress=json_progress))
        return 0
    result = run_analysis(job, args.out, progress=_progress_printer(args.quiet))
    _print_summary(result, args.verbose)
    return 0


def cmd_ledger(args):
    from .core.ledger.export import export_ledger

    report = export_ledger(args.result, args.out, include_all=args.all, overwrite=args.force,
                           previous=args.previous,
                           images={"前时相": args.before, "后时相": args.after},
                           template=args.template,
                           title={"county": args.county, "batch": args.batch, "unit": args.unit},
                           progress=_progress_printer(args.quiet))
    for line in report.lines():
        print(line)
    return 0


def cmd_import_ledger(args):
    from .core.ledger.imports import import_ledger

    return _report_import(import_ledger(args.ledger, args.result, force=args.force,
                                        progress=_progress_printer(args.quiet)), args.verbose)


def cmd_import_field(args):
    from .core.fieldwork.field_import import import_verification

    return _report_import(import_verification(args.gpkg, args.result, force=args.force,
                                              progress=_progress_printer(args.quiet)),
                          args.verbose)


def _report_import(report, verbose):
    for line in report.lines(limit=None if verbose else 50):
        print(line)
    return 1 if report.errors and not report.written else 0


def cmd_derive_changes(args):
    from .core.changes.derive import ChangeOptions, derive_changes
    from .core.changes.read import layer_spec

    admin = None
    if args.admin:
        admin = layer_spec(args.admin, "行政区")
        admin.extra = {k: v for k, v in (("township_field", args.township_field),
                                         ("village_field", args.village_field)) if v}
    protected = {key: tuple(layer_spec(t, name) for t in texts) for key, name, texts in (
        ("basic_farmland", "永久基本农田", args.basic_farmland or []),
        ("red_line", "生态保护红线", args.red_line or [])) if texts}
    options = ChangeOptions(class_field=args.class_field,
                            czcs_field=args.czcs_field if args.czcsxm else None,
                            location_field=args.location_field, min_area_m2=args.min_area,
                            sliver_ratio=args.sliver_ratio, sliver_width_m=args.sliver_width,
                            admin=admin, balance=not args.no_balance, protected=protected,
                            targets=args.targets)
    years = [layer_spec(args.before, "前一年度"), layer_spec(args.after, "本年度")]
    for spec in years:
        spec.class_values = "names" if args.class_names else "codes"
    result = derive_changes(*years, args.out, options, progress=_progress_printer(args.quiet))
    _print_summary(result, args.verbose)
    return 0


def cmd_fieldpack(args):
    from .core.fieldwork.pack import prepare_fieldpack

    pack = prepare_fieldpack(args.result, args.out, before=args.before, after=args.after,
                             dates={"前时相": args.before_date, "后时相": args.after_date},
                             overwrite=args.force, progress=_progress_printer(args.quiet))
    print(f"外业核查图斑 {pack.patches} 个 → {pack.folder}")
    if pack.backup:
        print(f"  原有的外业核查数据含外业填写内容，已备份为 {pack.backup}")
    for path in (pack.gpkg, pack.reference, pack.kml, pack.kmz,
                 *(image.path for image in pack.images.values())):
        if path:
            print(f"  {path}")
    dates = "，".join(f"{label} {date}" for label, date in pack.dates.items())
    print(f"  影像切片 {len(pack.chips)} 张" + (f" (影像日期: {dates})" if dates else ""))
    for note in pack.notes:
        print(f"  - {note}")
    if not args.no_qgis:
        # the QField project and the sheets need QGIS (its Python, e.g. /usr/bin/python3)
        from .qgis_io.fieldpack_outputs import write_qgis_outputs_headless

        for path in write_qgis_outputs_headless(pack, sheets=True):
            if path:
                print(f"  {path}")
    return 0


def cmd_analyse_region(args):
    from .core.region.console import ConsoleProgress
    from .core.region.run import run_region

    try:
        result = run_region(args.region, args.out, scheduler=args.scheduler,
                            workers=args.workers, force=args.force,
                            listener=ConsoleProgress(quiet=args.quiet))
    except KeyboardInterrupt:
        print("已取消: 已完成的县保留其结果 (重新运行时跳过)，未写出区域结果", file=sys.stderr)
        return 3
    for line in result.summary_lines():
        print(line)
    for outcome in result.failed:
        print(f"  {outcome.label}: {outcome.message}", file=sys.stderr)
    return 2 if result.failed else 0


def _positive(text):
    if not text.isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，而不是 {text!r}")
    return int(text)


def _region_parser(sub):
    p = sub.add_parser("analyse-region",
                       help="市、省级按县分布式核查 (dask): 区域文件 → 各县结果、region.gpkg、区域汇总")
    p.add_argument("region", help="区域文件 (YAML): 各县的任务文件，或全区任务与分县方式")
    p.add_argument("--out", required=True, help="输出文件夹 (各县结果写在其中的 <县级代码>/ 下)")
    p.add_argument("--scheduler", help="在已有 dask 集群上运行: 调度器地址，如 tcp://10.0.0.5:8786 "
                                       "(默认在本机启动 LocalCluster)")
    p.add_argument("--workers", type=_positive, help="本机 LocalCluster 的工作进程数 (默认按 CPU 核数与内存)")
    p.add_argument("--force", action="store_true", help="重新计算每个县 (默认跳过输入与规则未变的县)")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_analyse_region)


def _import_parser(sub, name, help_text, source, source_help, force_help, func):
    """The two imports (ledger, field GeoPackage) share their options and checks."""
    p = sub.add_parser(name, help=help_text)
    p.add_argument(source, help=source_help)
    p.add_argument("result", help="要写入的 result.gpkg")
    p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.add_argument("-v", "--verbose", action="store_true", help="列出全部错误和提示")
    p.set_defaults(func=func)


def _fieldpack_parser(sub):
    p = sub.add_parser("fieldpack", help="准备外业核查: 可整体拷到平板使用的外业数据包 (QField 工程、"
                                         "核查图斑、参考图层、影像、切片、KML/KMZ、外业核查表)")
    p.add_argument("result", help="analyse 输出的 result.gpkg")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.add_argument("--before", help="前时相影像 (GeoTIFF)")
    p.add_argument("--after", help="后时相影像 (GeoTIFF)")
    p.add_argument("--before-date", help="前时相影像日期，如 2023-10-01 (默认取影像元数据中的拍摄日期)")
    p.add_argument("--after-date", help="后时相影像日期，如 2024-10-01 (同上)")
    p.add_argument("--force", action="store_true",
                   help="文件夹中的 核查图斑.gpkg 含尚未导入的外业填写内容时仍重新生成 (原文件带时间备份)")
    p.add_argument("--no-qgis", action="store_true",
                   help="不启动 QGIS: 不输出外业核查表 PDF 和 QField 工程")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_fieldpack)


def _derive_changes_parser(sub):
    p = sub.add_parser("derive-changes", help="两年度地类图斑比对: 变化图斑 + 耕地进出平衡表")
    p.add_argument("--before", required=True, help="前一年度地类图斑 (路径、路径:图层 或 路径|layername=图层)")
    p.add_argument("--after", required=True, help="本年度地类图斑")
    p.add_argument("--out", required=True, help="输出文件夹 (changes.gpkg、balance.xlsx、balance.png)")
    p.add_argument("--class-field", default="DLBM", help="地类编码字段 (默认 DLBM)")
    p.add_argument("--class-names", action="store_true",
                   help="地类字段为地类名称 (如 DLMC，三调或二调名称)，按地类名称表读作编码")
    p.add_argument("--czcsxm", action="store_true", help="城镇村属性码变化也算变化")
    p.add_argument("--czcs-field", default="CZCSXM", help="城镇村属性码字段 (默认 CZCSXM)")
    p.add_argument("--location-field", default="ZLDWDM",
                   help="坐落单位代码字段 (默认 ZLDWDM: 前 9 位为乡镇，前 12 位为村)")
    p.add_argument("--admin", help="行政区图层 (代替坐落单位代码归属乡镇村)")
    p.add_argument("--township-field", help="行政区图层的乡镇字段")
    p.add_argument("--village-field", help="行政区图层的村字段")
    p.add_argument("--min-area", type=float, default=1.0, help="小于此面积 (平方米) 的碎片剔除并计数 (默认 1)")
    p.add_argument("--sliver-ratio", type=float, default=0.05,
                   help="紧凑度 4πA/P² 低于此值且平均宽度低于 --sliver-width 的细长碎片剔除 (默认 0.05)")
    p.add_argument("--sliver-width", type=float, default=0.5, help="细长碎片的平均宽度上限，米 (默认 0.5)")
    p.add_argument("--basic-farmland", action="append",
                   help="永久基本农田图层 (平衡表列出其中耕地；给两次时分别用于前一年度、本年度)")
    p.add_argument("--red-line", action="append", help="生态保护红线图层 (同上)")
    p.add_argument("--targets", help="各乡镇耕地保有量、永久基本农田保护目标表 (CSV 或 xlsx，亩)："
                                     "净面积平衡表列出目标、期末、盈余或缺口与是否达标")
    p.add_argument("--no-balance", action="store_true", help="不生成耕地进出平衡表")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.add_argument("-v", "--verbose", action="store_true", help="列出每条提示")
    p.set_defaults(func=cmd_derive_changes)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="plugin.cli", description="土地监管图斑核查 (命令行)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("analyse", help="图斑叠加分析: 任务文件 → 结果 GeoPackage")
    p.add_argument("job", help="任务文件 (YAML)")
    p.add_argument("--out", required=True, help="输出文件夹 (写出 result.gpkg)")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.add_argument("-v", "--verbose", action="store_true", help="列出每条修复/剔除提示")
    p.add_argument("--previous", help="上一批次的结果 (result.gpkg): 与之重叠的图斑标为重复下发并沿用其台账填写")
    p.add_argument("--previous-overlap", type=float, default=0.5,
                   help="重叠面积达到任一图斑面积的此比例即视为同一图斑 (默认 0.5)")
    p.add_argument("--json", action="store_true",
                   help="进度、结果和错误以 JSON 行写到标准输出 (供 QGIS 在独立进程中运行)")
    p.set_defaults(func=cmd_analyse)
    p = sub.add_parser("ledger", help="生成整改台账: 结果 GeoPackage → Excel (.xlsx)")
    p.add_argument("result", help="analyse 输出的 result.gpkg")
    p.add_argument("--out", required=True, help="台账文件 (.xlsx)")
    p.add_argument("--all", action="store_true", help="列出全部图斑 (默认只列违法、需核实的)")
    p.add_argument("--force", action="store_true", help="台账文件已存在时替换它 (原文件备份为 .bak.xlsx)")
    p.add_argument("--previous", help="从这份旧台账带入结果中尚未导入的填写内容 (默认: 被替换的文件)")
    p.add_argument("--before", help="前时相影像 (GeoTIFF 等)：台账末尾加一列图斑缩略图")
    p.add_argument("--after", help="后时相影像：台账末尾加一列图斑缩略图")
    p.add_argument("--template", help="台账模板 (YAML，列的顺序、表头与打印分页；默认 "
                                      "resources/ledger/default.yaml)")
    p.add_argument("--county", help="标题中的县 (市、区) 名 (默认取任务文件 ledger.county 或 name)")
    p.add_argument("--batch", help="监测批次 (默认取任务文件 ledger.batch 或图斑的批次字段)")
    p.add_argument("--unit", help="填报单位 (默认取任务文件 ledger.unit)")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.set_defaults(func=cmd_ledger)
    _import_parser(sub, "import-ledger", "导入核查后的整改台账: Excel → 结果 GeoPackage",
                   "ledger", "填写后的台账 (.xlsx)，只读取不修改", "台账有错误时仍导入 (跳过无法对应的行)",
                   cmd_import_ledger)
    _import_parser(sub, "import-field", "导入外业核查结果: 外业编辑后的核查图斑 GeoPackage → 结果",
                   "gpkg", "外业编辑后的 核查图斑.gpkg，只读取不修改", "有错误时仍导入 (跳过无法对应的行)",
                   cmd_import_field)
    _derive_changes_parser(sub)
    _fieldpack_parser(sub)
    _region_parser(sub)
    args = parser.parse_args(argv)
    if getattr(args, "workers", None) and getattr(args, "scheduler", None):
        parser.error("--workers 只用于本机 LocalCluster；已有集群的工作进程数由 dask-worker 决定")
    use_bundled_modules()
    if hasattr(signal, "SIGBREAK"):  # Windows: the parent's way to say Ctrl-C to a child
        signal.signal(signal.SIGBREAK, signal.default_int_handler)
    if getattr(args, "json", False):
        # QGIS stops its engine child with SIGINT: heard even where the child inherited it
        # ignored (a QGIS started in the background by a script), so a cancel writes nothing
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from osgeo import gdal
    gdal.UseExceptions()
    # GDAL's own warnings are English lines on stderr; what matters of them reaches the user
    # as our notes and errors (GDAL's errors are raised as exceptions all the same)
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        return _run(args)
    finally:
        gdal.PopErrorHandler()


def _run(args):
    try:
        # derive-changes writes its balance sheet with openpyxl unless told not to.
        parts = ("openpyxl",) if args.command == "derive-changes" and not args.no_balance else ()
        dependencies.require(COMMAND_FEATURES[args.command], parts)
        return args.func(args)
    except InputError as e:
        if getattr(args, "json", False):
            from .core.process_protocol import write_error
            write_error(e)
        print(f"输入错误: {e}", file=sys.stderr)
        return 2
    except dependencies.MissingModules as e:
        print(e, file=sys.stderr)
        return 2
    except (Cancelled, KeyboardInterrupt):
        print("已取消，未写出任何结果", file=sys.stderr)
        return 3
    except Exception as e:  # noqa: BLE001 - the user gets a message, never a traceback
        message = (dependencies.missing_module_text(e.name)
                   if isinstance(e, ModuleNotFoundError) else None)
        if isinstance(e, BrokenProcessPool):  # a worker ended by the system, mostly for memory
            message = ("计算进程意外退出 (多为内存不足)，未写出任何结果。请关闭其他程序后重试，"
                       "或设置环境变量 LAND_SUPERVISION_WORKERS=1 只用一个进程计算 (较慢但省内存)。")
        if message is None:
            message = (f"输入错误: 处理 {_subject(args)} 时遇到无法识别的情况 ({type(e).__name__}: "
                       f"{e})，未写出任何结果。技术细节已写入 {_save_traceback()}，"
                       "请连同输入文件一并报告。")
        print(message, file=sys.stderr)
        return 2


def _subject(args):
    """The input a command was run on, for a message."""
    for name in ("job", "result", "ledger", "gpkg", "before", "region"):
        value = getattr(args, name, None)
        if value:
            return value
    return args.command


def _save_traceback():
    import datetime
    import tempfile

    from .core.errors import save_traceback
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return save_traceback(os.path.join(tempfile.gettempdir(),
                                       f"land_supervision-error-{stamp}-{os.getpid()}.log"))


if __name__ == "__main__":
    code = main()
    from .core.overlay import pool
    if pool.killed:  # see pool.killed: everything is written and closed by now
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
