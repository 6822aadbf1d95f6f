"""The Processing provider, the algorithms' base class and one module per algorithm; each
algorithm gathers parameters and calls the core (through ``plugin.qgis_io``)."""
