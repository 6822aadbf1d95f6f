"""Developer tools beside the plugin, never in its zip: the package and translation builder,
the qgis_process runner behind ``make demo``, and the generators of the demo county, the
field-sheet layout template and the result styles."""
