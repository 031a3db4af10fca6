"""Application start-up: QApplication, main window, event loop."""
from __future__ import annotations

import argparse
import os
import sys


def create_app(argv: list[str] | None = None):
    """The QApplication (created once), with the application's names set for QSettings."""
    from PySide6.QtWidgets import QApplication

    from .qt_setup import prepare_qt

    prepare_qt()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("PoseExplorer")
    app.setApplicationName("Pose Explorer")
    return app


def apply_dark_palette(app) -> None:
    """A dark Fusion palette: poses and video frames read better on dark grey."""
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    for role, rgb in ((QPalette.ColorRole.Window, (45, 45, 50)), (QPalette.ColorRole.WindowText, (225, 225, 225)),
                      (QPalette.ColorRole.Base, (32, 32, 36)), (QPalette.ColorRole.AlternateBase, (45, 45, 50)),
                      (QPalette.ColorRole.Text, (225, 225, 225)), (QPalette.ColorRole.Button, (55, 55, 60)),
                      (QPalette.ColorRole.ButtonText, (225, 225, 225)), (QPalette.ColorRole.Highlight, (60, 110, 190)),
                      (QPalette.ColorRole.HighlightedText, (255, 255, 255)),
                      (QPalette.ColorRole.ToolTipBase, (32, 32, 36)), (QPalette.ColorRole.ToolTipText, (225, 225, 225)),
                      (QPalette.ColorRole.PlaceholderText, (140, 140, 140))):
        pal.setColor(role, QColor(*rgb))
    app.setPalette(pal)


def run_app(args: argparse.Namespace) -> int:
    app = create_app()
    apply_dark_palette(app)
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    window.start(library=getattr(args, "library", None), model=getattr(args, "model", None),
                 paths=list(getattr(args, "paths", None) or []))
    code = app.exec()
    window.close()       # no-op when the user closed it; saves the layout and stops jobs after app.quit()
    delete_now(window)   # while the display exists: a GL window deleted at interpreter exit can crash
    from .worker import wait_for_workers

    if not wait_for_workers(30000):   # a job that will not end: leave without Qt's abort on a live thread
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def delete_now(widget) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
