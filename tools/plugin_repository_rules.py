"""The upload rules of the QGIS plugin repository (plugins.qgis.org), replayed on a zip.

    /usr/bin/python3 -m tools.plugin_repository_rules dist/land_supervision-0.1.0.zip

The repository's validator (qgis/QGIS-Django, ``qgis-app/plugins/validator.py``) refuses an
upload that breaks any of the rules below; :func:`problems` lists every one a zip breaks, in
the validator's own words where it has them. Not replayed: the check that the homepage, tracker
and repository URLs answer over the network (the replay runs offline; their syntax is checked).
A build tool beside the plugin (never in the zip); it imports nothing from QGIS.
"""

import configparser
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

#: The repository's upload limit, in bytes.
MAX_SIZE = 25_000_000
REQUIRED_METADATA = ("name", "description", "version", "qgisMinimumVersion", "author", "email",
                     "about", "tracker", "repository")
FORBIDDEN_DIRS = ("__MACOSX", ".git", "__pycache__")
#: Placeholder values the validator refuses for the URL keys.
FORBIDDEN_URLS = {"tracker": "http://bugs", "repository": "http://repo",
                  "homepage": "http://homepage"}
#: New plugins: the top folder must be a PEP 8 package name.
PACKAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _name_problems(names):
    found = []
    for name in names:
        if ".." in name or name.startswith("/"):
            found.append(f"path information in a file name: {name}")
        if ".pyc" in name:
            found.append(f"a .pyc file: {name}")
        parts = name.split("/")
        found.extend(f"a {d} directory: {name}" for d in FORBIDDEN_DIRS if d in parts)
    return found


def _metadata_problems(archive, package):
    text = archive.read(f"{package}/metadata.txt").decode("utf-8")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    if not parser.has_section("general"):
        return ["metadata.txt has no [general] section"]
    general = dict(parser.items("general"))
    found = [f"metadata.txt lacks {key}" for key in REQUIRED_METADATA
             if not general.get(key, "").strip()]
    for key, forbidden in FORBIDDEN_URLS.items():
        url = general.get(key)
        if url is None:
            continue
        parsed = urlparse(url)
        if url == forbidden or not (parsed.scheme and parsed.netloc):
            found.append(f"metadata.txt: {key} is no valid URL: {url!r}")
    if "/" in general.get("author", ""):
        found.append("metadata.txt: the author name contains a slash")
    icon = general.get("icon", "").removeprefix("./")
    if icon and f"{package}/{icon}" not in archive.namelist():
        found.append(f"metadata.txt: the icon {icon} is not in the zip")
    return found


def problems(zip_path) -> list:
    """Every rule of the plugin repository the zip at ``zip_path`` breaks ([] = accepted)."""
    zip_path = Path(zip_path)
    found = []
    if zip_path.stat().st_size > MAX_SIZE:
        found.append(f"the zip has {zip_path.stat().st_size} bytes, over {MAX_SIZE}")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        return found + ["the file is no zip"]
    with archive:
        names = archive.namelist()
        found.extend(_name_problems(names))
        bad = archive.testzip()
        if bad:
            found.append(f"a corrupt member (CRC): {bad}")
        tops = {PurePosixPath(n).parts[0] for n in names}
        if not names or "/" not in names[0]:
            return found + ["no folder at the top of the zip"]
        if len(tops) > 1:
            found.append(f"more than one top folder: {', '.join(sorted(tops))}")
        package = names[0].split("/")[0]
        if not PACKAGE_NAME.match(package):
            found.append(f"the top folder {package!r} is no PEP 8 package name")
        for required in ("__init__.py", "metadata.txt", "LICENSE"):
            if f"{package}/{required}" not in names:
                found.append(f"no {required} in the plugin folder")
        if f"{package}/metadata.txt" in names:
            found.extend(_metadata_problems(archive, package))
    return found


def main(argv=None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    failed = False
    for path in paths:
        for problem in problems(path):
            failed = True
            print(f"{path}: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
