"""The engine's version, recorded in every result so a figure can be traced to its code."""

ENGINE_VERSION = "0.1.0"
