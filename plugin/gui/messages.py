"""What the workspace tells the analyst: a short line in QGIS's message bar, with buttons for
the details, the log or the file it made; and the plugin's log panel."""

import unicodedata

from qgis.core import Qgis, QgsMessageLog
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QPushButton

from ..identity import LOG_TAG
from ..compat import tr

#: Width of a message the bar shows, in half-width characters (a Chinese one counts two);
#: longer text goes behind a 详情 button. The bar beside the dock is ~700 px wide on a 1366 px
#: screen: about 45 Chinese characters.
BAR_WIDTH = 90


def log(message, level=Qgis.MessageLevel.Info):
    QgsMessageLog.logMessage(message, LOG_TAG, level)


def open_path(path):
    """Open a file or folder with the system's program for it."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def short(text, limit=BAR_WIDTH):
    """The first line of ``text`` cut to ``limit`` half-width columns (with … when cut)."""
    line = str(text).splitlines()[0] if str(text) else ""
    width = 0
    for n, char in enumerate(line):
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if width > limit - 1:
            return line[:n] + "…"
    return line


class MessageBar:
    """Pushes short messages to QGIS's bar; ``show_detail(text)`` shows a long one in full."""

    def __init__(self, iface, show_detail):
        self.iface = iface
        self.show_detail = show_detail

    def push(self, text, level, detail=None, with_log=False, buttons=()):
        """A message of at most one short line. ``detail`` (or the cut rest of ``text``) goes
        behind a 详情 button; ``with_log`` adds one to the log panel; ``buttons`` are
        (label, callable) pairs."""
        bar = self.iface.messageBar()
        title = tr("Land Supervision")
        duration = 0 if level == Qgis.MessageLevel.Critical else 10
        line = short(text)
        if detail is None and line != str(text):
            detail = str(text)
        buttons = list(buttons)
        if detail:
            buttons.append((tr("Details"), lambda: self.show_detail(detail)))
        if with_log:
            buttons.append((tr("Show log"), self.iface.openMessageLog))
        if not buttons:
            bar.pushMessage(title, line, level, duration)
            return
        item = QgsMessageBar.createMessage(title, line, bar)
        for label, action in buttons:
            widget = QPushButton(label, item)
            widget.setObjectName("messageButton")
            widget.clicked.connect(action)
            item.layout().addWidget(widget)
        bar.pushWidget(item, level, duration)
