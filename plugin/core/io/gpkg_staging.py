"""A large result layer written by a worker process while the caller goes on, then copied
into the result GeoPackage in SQLite's own code.

A county's ``parcel_hits`` (240,000 rows with geometry) takes the writer ~2.4 s, most of it the
Python that turns rows into SQLite values and GeoPackage blobs; the copy from a finished file
takes ~0.4 s. The worker writes the layer with the same builder into a GeoPackage of its own;
the caller copies its rows and its packed R-tree, so the result is byte for byte what writing
it in place gives. Where the staged file's spatial reference id or columns differ from the
result's (they never should: both are made by the same GDAL from the same definitions), the
layer is written in place from the rows it was staged from.
"""

import os
import sqlite3
import tempfile
from concurrent.futures import ProcessPoolExecutor

from .atomic import TEMP_PREFIX, discard
from .sql_text import sql_identifier


class LayerRows:
    """A layer's rows (tuples in its fields' order) and geometries (WKB), as ``stage_layer``
    takes them."""

    def __init__(self, rows, wkbs):
        self._rows, self._wkbs = rows, wkbs

    def __len__(self):
        return len(self._rows)

    def rows(self):
        return self._rows

    def wkbs(self):
        return self._wkbs


class StagedLayer:
    """One layer for the result, being written by a worker into ``path`` (None where no worker
    took it: it is then written from its rows); ``table`` gives its rows (``rows()``: tuples in
    the fields' order, ``wkbs()``: geometries)."""

    def __init__(self, name, fields, table, path=None, future=None):
        self.name, self.fields, self.table = name, fields, table
        self.path, self.future = path, future

    def merge(self, con, write_in_place):
        """Copy the staged rows and R-tree into the layer's table of the open result database
        ``con`` (its triggers dropped by the caller); ``write_in_place(con)`` where no worker
        wrote the layer or its file does not fit."""
        fits = False
        if self.future is not None:
            try:
                self.future.result()  # the worker's failure (a full disk) is the caller's
                con.commit()  # SQLite attaches a database only outside a transaction
                con.execute("ATTACH DATABASE ? AS staged", (self.path,))
                try:
                    fits = _fits(con, self.name)
                    if fits:
                        _copy(con, self.name)
                    con.commit()
                finally:
                    try:
                        con.execute("DETACH DATABASE staged")
                    except sqlite3.Error:  # after a failed copy: the caller's error to tell
                        pass
            finally:
                self.discard()  # one still attached after a failure: the run's clean-up
        if not fits:
            write_in_place(con)

    def discard(self):
        """Remove the staged file, once the worker is done with it (ended or finished); a file
        Windows still holds is left to the next run's clean-up (``atomic.remove_stale_temps``)."""
        if self.path is None:
            return
        try:
            discard(self.path)
        except OSError:
            pass


def stage_layer(pool, folder, name, crs_wkt, fields, table):
    """A StagedLayer written by one of ``pool``'s worker processes into a temporary file in
    ``folder``; one written in place (at ``GeoPackageBuilder.finish``) where there is no
    process pool (threads would only contend with the caller for the interpreter) or no row."""
    if not isinstance(pool, ProcessPoolExecutor) or not len(table):
        return StagedLayer(name, fields, table)
    fd, path = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".gpkg",
                                dir=folder)
    os.close(fd)
    os.unlink(path)  # GDAL creates the GeoPackage itself
    future = pool.submit(_write_staged, path, name, crs_wkt, fields, table)
    return StagedLayer(name, fields, table, path, future)


def _write_staged(path, name, crs_wkt, fields, table):
    from .gpkg_writer import GeoPackageBuilder
    builder = GeoPackageBuilder(path)
    try:
        builder.write_layer(name, crs_wkt, fields, table.rows(), table.wkbs())
        builder.finish()
    except BaseException:
        builder.abandon()
        discard(path)
        raise


def _copy(con, table):
    name = sql_identifier(table)
    listed = ", ".join(sql_identifier(c) for c, _ in _table_columns(con, "main", table))
    con.execute(f"INSERT INTO main.{name} ({listed}) SELECT {listed} FROM staged.{name}")
    geom = con.execute("SELECT column_name FROM main.gpkg_geometry_columns WHERE table_name = ?",
                       (table,)).fetchone()[0]
    rtree = f"rtree_{table}_{geom}"  # GDAL's name for the layer's R-tree table
    con.execute(f"DELETE FROM main.{sql_identifier(rtree + '_node')}")  # the empty root
    for shadow in ("node", "rowid", "parent"):
        t = sql_identifier(f"{rtree}_{shadow}")
        con.execute(f"INSERT INTO main.{t} SELECT * FROM staged.{t}")
    extent = con.execute("SELECT min_x, min_y, max_x, max_y FROM staged.gpkg_contents "
                         "WHERE table_name = ?", (table,)).fetchone()
    con.execute("UPDATE main.gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? "
                "WHERE table_name = ?", (*extent, table))


def _fits(con, table):
    """Whether the staged table has the result table's columns and spatial reference id, and
    the result's R-tree is still the empty one GDAL made."""
    if _table_columns(con, "main", table) != _table_columns(con, "staged", table):
        return False
    srs = [con.execute(f"SELECT srs_id, column_name FROM {schema}.gpkg_geometry_columns "
                       "WHERE table_name = ?", (table,)).fetchone() for schema in ("main", "staged")]
    if srs[0] is None or srs[0] != srs[1]:
        return False
    rtree = f"rtree_{table}_{srs[0][1]}"
    counts = [con.execute(f"SELECT count(*) FROM main.{sql_identifier(f'{rtree}_{shadow}')}"
                          ).fetchone()[0] for shadow in ("node", "rowid")]
    contents = con.execute("SELECT 1 FROM staged.gpkg_contents WHERE table_name = ?",
                           (table,)).fetchone()
    return counts == [1, 0] and contents is not None


def _table_columns(con, schema, table):
    """[(name, declared type)] of a table, in order."""
    return [(row[1], row[2]) for row in
            con.execute(f"PRAGMA {schema}.table_info({sql_identifier(table)})")]
