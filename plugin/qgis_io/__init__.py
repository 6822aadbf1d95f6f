"""The QGIS side shared by the dock, the Processing algorithms and the command line: QGIS layers
turned into the engine's input (shapefiles read in their content's encoding), the engine run
with QGIS feedback, result styles, the field sheets printed through a QGIS layout, the QField
project, and a headless QGIS start."""
