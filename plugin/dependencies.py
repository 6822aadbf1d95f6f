"""Which optional Python modules each feature needs, which of them this QGIS lacks, and how a
county analyst adds them, told in Chinese (never as an ImportError).

The plugin counts only on what QGIS itself ships (GDAL's ``osgeo``, numpy, pyproj, yaml); every
module below is optional at load. The plugin reports at load (log and message bar) and before
a run (Processing's ``canExecute``, the workspace's data check, the command line). Pure Python,
no qgis import: presence is looked up without importing anything heavy.
"""

import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

from .identity import PACKAGE_NAME


@dataclass(frozen=True)
class OptionalModule:
    """A module the plugin uses but QGIS may not ship."""

    name: str  #: the import name
    distribution: str  #: the name pip and PyPI know
    purpose: str  #: what it does for the plugin, in Chinese
    debian: str  #: the Debian/Ubuntu package
    minimum: str = ""  #: the oldest version the code works with ("" = any)
    #: False for modules that must never be pip-installed into QGIS's Python (their wheels
    #: bundle a second GDAL/PROJ, and two GDALs in one process crash QGIS).
    pip_safe: bool = True
    #: Whether the offline package (``make package-offline``) carries its wheel.
    offline: bool = False


@dataclass(frozen=True)
class Feature:
    """A job the plugin does, and the optional modules it cannot run without."""

    key: str
    title: str  #: in Chinese, as the user meets it
    needs: Tuple[str, ...]
    #: (module, the part of the job that needs it): the job runs without it otherwise.
    partly: Tuple[Tuple[str, str], ...] = ()


MODULES = {m.name: m for m in (
    OptionalModule("shapely", "shapely", "几何运算", "python3-shapely", minimum="1.8",
                   offline=True),
    OptionalModule("openpyxl", "openpyxl", "读写 Excel 台账", "python3-openpyxl", offline=True),
    OptionalModule("PIL", "Pillow", "生成影像切片和缩略图", "python3-pil", offline=True),
    OptionalModule("matplotlib", "matplotlib", "绘制耕地进出平衡统计图", "python3-matplotlib"),
    OptionalModule("rasterio", "rasterio", "读取影像（没有它时由 QGIS 自带的 GDAL 读取）",
                   "python3-rasterio", pip_safe=False),
    OptionalModule("distributed", "distributed", "按县分布式计算（dask）", "python3-distributed",
                   minimum="2022.12"),
)}

ANALYSE = Feature("analyse", "图斑叠加分析与违法判定", ("shapely",))
LEDGER_EXPORT = Feature("exportledger", "导出整改台账", ("openpyxl", "shapely"),
                        partly=(("PIL", "影像缩略图列"),))
LEDGER_IMPORT = Feature("importledger", "导入核查结果（整改台账或外业核查数据）",
                        ("openpyxl", "shapely"))
FIELDPACK = Feature("fieldpack", "准备外业核查", ("shapely",),
                    partly=(("PIL", "前后时相影像切片"),))
DERIVE_CHANGES = Feature("derive-changes", "两年度变化图斑与耕地进出平衡表", ("shapely",),
                         partly=(("openpyxl", "耕地进出平衡表 Excel（命令行加 --no-balance 时不需要）"),
                                 ("matplotlib", "耕地进出平衡统计图")))
REGION = Feature("analyse-region", "按县分布式运行市、省级图斑核查（命令行 analyse-region）",
                 ("distributed", "shapely", "openpyxl"))
FEATURES = (ANALYSE, LEDGER_EXPORT, LEDGER_IMPORT, FIELDPACK, DERIVE_CHANGES)
#: Features of the command line alone: a county's QGIS needs no cluster, so the report at
#: QGIS's load leaves them, and the modules only they use, out; their command checks them.
COMMAND_LINE_FEATURES = (REGION,)
#: What needs none of the optional modules, said in the report so the user knows what works.
ALWAYS_AVAILABLE = "核查工作台的数据选择与数据检查、Processing 对话框和帮助"

OFFLINE_PACKAGE = f"{PACKAGE_NAME}-<版本>-offline-win_amd64-cp312.zip"


class MissingModules(Exception):
    """A job cannot run because this QGIS lacks modules it needs; ``str()`` says, in Chinese,
    which and how to add them."""

    def __init__(self, feature: Feature, missing):
        self.feature = feature
        self.missing = tuple(missing)
        super().__init__(unavailable_text(feature, self.missing))


def _version_tuple(text: str):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def module_problem(name: str) -> Optional[str]:
    """Why module ``name`` cannot be used here, in Chinese; None when it can.

    Looks the module up without importing it; the version is read from its installed
    metadata where there is any.
    """
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return "未安装"
    module = MODULES.get(name)
    if module is None or not module.minimum:
        return None
    try:
        version = importlib.metadata.version(module.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None  # present without metadata (a bundled or hand-copied copy): trust it
    if _version_tuple(version) < _version_tuple(module.minimum):
        return f"版本 {version} 过旧，需要 {module.minimum} 或更新"
    return None


def missing_for(feature: Feature):
    """The modules ``feature`` needs that cannot be used here, in the order it lists them."""
    return [name for name in feature.needs if module_problem(name) is not None]


def require(feature: Feature, parts=()):
    """Raise :class:`MissingModules` when ``feature`` cannot run here, or the modules of the
    ``parts`` asked for (names from its ``partly``) are missing."""
    missing = missing_for(feature) + [name for name in parts
                                      if module_problem(name) is not None]
    if missing:
        raise MissingModules(feature, missing)


def shown_name(name: str) -> str:
    """A module as users install it: its distribution name (Pillow, not PIL)."""
    module = MODULES.get(name)
    return module.distribution if module else name


def _module_label(name: str) -> str:
    module = MODULES.get(name)
    return f"{shown_name(name)}（{module.purpose}）" if module else name


def install_hint(name: str, platform: str = sys.platform, upgrade: bool = False) -> str:
    """How to add module ``name`` to QGIS's Python on ``platform`` (``upgrade``: replace a too
    old one), in Chinese."""
    module = MODULES.get(name)
    distribution = module.distribution if module else name
    pip_install = "pip install --upgrade" if upgrade else "pip install"
    if module is not None and not module.pip_safe:
        if platform.startswith("linux"):
            return (f"无需安装，插件改用 QGIS 自带的 GDAL（也可 sudo apt install "
                    f"{module.debian}，它使用系统的 GDAL）")
        return ("无需安装，插件改用 QGIS 自带的 GDAL。切勿用 pip 把它装进 QGIS："
                "它的安装包自带另一套 GDAL/PROJ，两套 GDAL 同在一个进程会使 QGIS 崩溃")
    if platform.startswith("win"):
        text = (f"在开始菜单打开随 QGIS 安装的“OSGeo4W Shell”，运行 "
                f"python -m {pip_install} {distribution}")
        if module is not None and module.offline:
            return text + f"；单位电脑不能上网时，改装已带此模块的离线安装包 {OFFLINE_PACKAGE}"
        here = f"{sys.version_info.major}.{sys.version_info.minor}"
        return text + (f"；不能上网时，在能上网的电脑上运行 python -m pip download "
                       f"{distribution} --only-binary=:all: --platform win_amd64 "
                       f"--python-version {here} -d 文件夹，把文件夹拷来后运行 "
                       f"python -m pip install --no-index --find-links 文件夹 {distribution}")
    if platform.startswith("linux"):
        package = module.debian if module else f"python3-{name.lower()}"
        return f"sudo apt install {package}（Debian/Ubuntu；其他发行版用相应的包）"
    return f"用 QGIS 自带的 Python 运行 python3 -m {pip_install} {distribution}"


def unavailable_text(feature: Feature, missing) -> str:
    """One message: ``feature`` cannot run, what is missing, how to add each."""
    lines = [f"“{feature.title}”无法运行：当前 QGIS 的 Python 中缺少 "
             + "、".join(_module_label(name) for name in missing) + "。"]
    for name in missing:
        problem = module_problem(name)
        too_old = bool(problem) and problem != "未安装"
        if too_old:
            lines.append(f"{shown_name(name)}：{problem}。")
        lines.append(f"安装 {shown_name(name)}：{install_hint(name, upgrade=too_old)}。")
    lines.append("安装后重启 QGIS。")
    return "\n".join(lines)


def missing_module_text(name: str) -> Optional[str]:
    """The message for a module a run found missing (``ModuleNotFoundError.name``); None for
    the plugin's own modules, which are never optional (their absence is a defect)."""
    top = (name or "").split(".")[0]
    if not top or top == __name__.split(".")[0]:
        return None
    return (f"当前 QGIS 的 Python 中缺少模块 {_module_label(top)}，此功能无法运行。\n"
            f"安装 {shown_name(top)}：{install_hint(top)}。\n安装后重启 QGIS。")


def bundled_text(names) -> str:
    """The log line naming the modules the offline package stands in for."""
    return "离线安装包提供了 QGIS 中没有的模块：" + "、".join(names) + "。"


def _used_by_a_feature(name: str) -> bool:
    return any(name in f.needs or name in dict(f.partly) for f in FEATURES)


@dataclass(frozen=True)
class Report:
    """What this QGIS lacks and what that means for each feature."""

    #: (module, why it cannot be used) for the modules some feature uses.
    problems: Tuple[Tuple[str, str], ...]
    #: Modules no feature needs (the plugin reads through GDAL instead) that are absent.
    unneeded: Tuple[str, ...] = ()

    @property
    def missing(self):
        return tuple(name for name, _problem in self.problems)

    def blocked(self):
        """(feature, its missing modules) for every feature that cannot run."""
        return [(f, [n for n in f.needs if n in self.missing]) for f in FEATURES
                if any(n in self.missing for n in f.needs)]

    def limited(self):
        """(feature, part, module) for every part of a runnable feature that cannot run."""
        blocked = {f.key for f, _names in self.blocked()}
        return [(f, part, name) for f in FEATURES if f.key not in blocked
                for name, part in f.partly if name in self.missing]

    def summary(self) -> str:
        """One short line for the message bar."""
        if not self.problems:
            return "可选 Python 模块齐全，全部功能可用。"
        blocked = self.blocked()
        text = "缺少 Python 模块 " + "、".join(shown_name(n) for n in self.missing) + "："
        if len(blocked) > 2:
            text += f"{len(blocked)} 项功能暂不可用"
        elif blocked:
            text += "、".join(f"“{f.title}”" for f, _names in blocked) + "暂不可用"
        else:
            text += "部分输出暂不可用"
        return text + "。详情和安装方法见日志。"

    def details(self) -> str:
        """The whole report, for the log and the message bar's details."""
        lines = [self.summary()] if not self.problems else self._problem_lines()
        lines.extend(f"{shown_name(n)}：未安装。{install_hint(n)}。" for n in self.unneeded)
        return "\n".join(lines)

    def _problem_lines(self):
        lines = ["可选 Python 模块检查：当前 QGIS 的 Python 缺少以下模块"]
        lines.extend(f"  · {_module_label(name)}：{problem}" for name, problem in self.problems)
        blocked = self.blocked()
        if blocked:
            lines.append("暂不可用的功能：")
            lines.extend(f"  · {f.title}（缺少 {'、'.join(map(shown_name, names))}）"
                         for f, names in blocked)
        limited = self.limited()
        if limited:
            lines.append("可以运行、但缺少部分输出的功能：")
            lines.extend(f"  · {f.title}中的{part}：缺少 {shown_name(name)}"
                         for f, part, name in limited)
        blocked_keys = {f.key for f, _names in blocked}
        runnable = [f.title for f in FEATURES if f.key not in blocked_keys]
        lines.append("照常可用：" + "、".join(runnable + [ALWAYS_AVAILABLE]) + "。")
        lines.append("安装方法：")
        lines.extend(f"  · {shown_name(name)}：{install_hint(name, upgrade=problem != '未安装')}。"
                     for name, problem in self.problems)
        lines.append("安装后重启 QGIS。")
        return lines


def _command_line_only(name: str) -> bool:
    return not _used_by_a_feature(name) and any(
        name in f.needs or name in dict(f.partly) for f in COMMAND_LINE_FEATURES)


def check() -> Report:
    """What this QGIS lacks, in the order of :data:`MODULES` (modules only the command line's
    own features use are left out)."""
    problems = [(name, problem) for name in MODULES if not _command_line_only(name)
                and (problem := module_problem(name)) is not None]
    return Report(tuple((n, p) for n, p in problems if _used_by_a_feature(n)),
                  tuple(n for n, _p in problems if not _used_by_a_feature(n)))
