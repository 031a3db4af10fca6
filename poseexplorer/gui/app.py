"""Application start-up: QApplication, main window, event loop."""
from __future__ import annotations

import argparse
import sys


def create_app(argv: list[str] | None = None):
    """The QApplication (created once), with the application's names set for QSettings."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("PoseExplorer")
    app.setApplicationName("Pose Explorer")
    return app


def run_app(args: argparse.Namespace) -> int:
    app = create_app()
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()
