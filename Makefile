# Land Supervision (土地监管图斑核查) — build, test and demo entry points.
# Everything runs with Debian's /usr/bin/python3 (the Python QGIS links against);
# test-only tools live in .venv, created with --system-site-packages.

SHELL := /bin/bash
PY_SYS := /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
export PROJ_DATA := /usr/share/proj
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE := 1

# Debian packages the product and its tests need (runtime geo stack comes from Debian only);
# python3-distributed (dask) runs analyse-region and is optional for the plugin.
APT_PACKAGES := qgis python3-qgis qgis-providers python3-geopandas python3-fiona \
	python3-rasterio python3-shapely python3-pyproj python3-openpyxl python3-yaml \
	python3-gdal python3-venv python3-pip xvfb xauth fonts-noto-cjk \
	libreoffice-calc-nogui fonts-crosextra-carlito poppler-utils qttools5-dev-tools pyqt5-dev-tools zip unzip \
	python3-matplotlib python3-pil python3-distributed

SETUP_STAMP := $(VENV)/.setup-done
PLUGIN_NAME := land_supervision
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)

.PHONY: setup test test-core test-qgis test-matrix demo package package-offline bench bench-changes bench-region lint \
	translations screenshot clean

setup: $(SETUP_STAMP)

$(SETUP_STAMP): Makefile requirements-test.txt
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "setup: installing Debian packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@test -x $(PY) || $(PY_SYS) -m venv --system-site-packages $(VENV)
	@grep -q PROJ_DATA $(VENV)/bin/activate || echo 'export PROJ_DATA=/usr/share/proj' >> $(VENV)/bin/activate
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@$(PY) -c "import numpy, qgis.core, geopandas, fiona, shapely, rasterio, openpyxl, yaml, distributed; from osgeo import ogr" \
		|| { echo "setup: the Debian geo stack does not import"; exit 1; }
	@touch $(SETUP_STAMP)

translations: setup
	@for ts in plugin/i18n/*.ts; do [ -e "$$ts" ] && lrelease -silent "$$ts" -qm "$${ts%.ts}.qm"; done; true

test: setup translations
	$(PY) -m pytest tests/core -p no:pytest_qgis -q
	$(PY) -m pytest tests/qgis tests/e2e -q

test-core: setup
	$(PY) -m pytest tests/core -p no:pytest_qgis -q

# The main job through real QGIS (qgis_process, headless): result.gpkg and 整改台账.xlsx.
demo: setup translations
	$(PY_SYS) -m tools.run_qgis_process resources/demo/job.yaml --out out/demo
	$(PY_SYS) -m plugin.cli derive-changes --before resources/demo/data/dltb_2023.gpkg:DLTB \
		--after resources/demo/data/dltb_2024.gpkg:DLTB \
		--basic-farmland resources/demo/data/yjjbnttb.gpkg:YJJBNTTB \
		--red-line resources/demo/data/stbhhx.gpkg:STBHHX \
		--admin resources/demo/data/xzq.gpkg:CJXZQ --township-field XZMC --village-field XZQMC \
		--out out/demo/changes

package: setup translations
	$(PY_SYS) -m tools.packaging --name $(PLUGIN_NAME) --out dist

# A second zip for Windows QGIS (Python 3.12, win_amd64) with the wheels a stock QGIS lacks,
# fetched once into out/wheels/ (pip download --only-binary=:all:); never a GDAL/PROJ wheel.
package-offline: setup translations
	$(PY) -m tools.offline_package --name $(PLUGIN_NAME) --out dist

# tests/core on shapely 2 and geopandas 1.x, each in a throw-away venv (never the runtime).
test-matrix: setup
	$(PY_SYS) -m tools.test_matrix

# Real QGIS under Xvfb with the plugin in a throw-away profile: the dock on the demo county.
screenshot: setup translations
	$(PY) tests/e2e/test_screenshot_dock.py --out out/screenshots

bench: setup
	$(PY) bench/run_bench.py
	$(PY_SYS) bench/changes_bench.py
	$(PY_SYS) bench/fieldwork_bench.py
	$(PY_SYS) bench/region_bench.py

bench-region: setup
	$(PY_SYS) bench/region_bench.py

bench-changes: setup
	$(PY_SYS) bench/changes_bench.py

lint: setup
	$(PY) -m ruff check plugin tests bench tools

clean:
	rm -rf out dist .pytest_cache
