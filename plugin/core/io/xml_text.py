"""Text put into XML we write by hand (styles, sheet rows, raster sidecars)."""


def xml_escape(text) -> str:
    """``text`` safe as XML character data or a double-quoted attribute value."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
