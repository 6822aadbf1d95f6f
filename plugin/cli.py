"""Headless entry point: ``/usr/bin/python3 -m plugin.cli analyse JOB.yaml --out DIR``.

Exit codes: 0 done, 2 bad input (the message names layer, feature and field), 3 cancelled.
"""

import argparse
import sys

from .core.errors import Cancelled, InputError


def _progress_printer(quiet):
    last = [-1]

    def report(fraction, message):
        pct = int(fraction * 100)
        if not quiet and pct // 5 != last[0] // 5:
            print(f"[{pct:3d}%] {message}", file=sys.stderr, flush=True)
        last[0] = pct
    return report


def cmd_analyse(args):
    from .core.analysis import run_analysis
    from .core.job import load_job

    job = load_job(args.job)
    result = run_analysis(job, args.out, progress=_progress_printer(args.quiet))
    for line in result.summary_lines():
        print(line)
    if args.verbose:
        for note in result.notes:
            print(f"  - {note}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="plugin.cli", description="土地监管图斑核查 (命令行)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("analyse", help="图斑叠加分析: 任务文件 → 结果 GeoPackage")
    p.add_argument("job", help="任务文件 (YAML)")
    p.add_argument("--out", required=True, help="输出文件夹 (写出 result.gpkg)")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    p.add_argument("-v", "--verbose", action="store_true", help="列出每条修复/剔除提示")
    p.set_defaults(func=cmd_analyse)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"输入错误: {e}", file=sys.stderr)
        return 2
    except Cancelled:
        print("已取消", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
