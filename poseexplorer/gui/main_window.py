"""The main window: the viewer in the centre, the other panels as docks, menus, shortcuts, drag-and-drop.

Layout and settings are remembered in QSettings. Other packages add panels with add_panel(name, widget, area).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QFrame, QLabel, QMainWindow, QMessageBox, QScrollArea,
                               QWidget)

from .job_runner import JobRunner
from .library_controller import LibraryController
from .panels.ambiguity_panel import AmbiguityPanel
from .panels.kinematics_panel import KinematicsPanel
from .panels.library_panel import LibraryPanel
from .panels.retrieval_panel import RetrievalPanel
from .panels.scatter_panel import ScatterPanel
from .panels.skeleton3d_panel import Skeleton3DPanel
from .panels.viewer_panel import ViewerPanel
from .settings import AppSettings
from .sync_panel import SyncPanel
from .shortcuts import SHORTCUTS, ShortcutsDialog
from .state import AppState
from .views.wheel_guard import install_wheel_guard
from .window_memory import WindowMemory

LAYOUT_VERSION = 1
FRAME_ALLOWANCE = (16, 40)   # title bar and borders a window manager adds, before the real ones are known
AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
         "bottom": Qt.DockWidgetArea.BottomDockWidgetArea, "top": Qt.DockWidgetArea.TopDockWidgetArea}


def preload_extensions() -> None:
    """Import the media reader (cv2) on the GUI thread at start-up: a worker importing a large C extension
    later would hold the GIL for 100+ ms while the window is in use (measured in the latency test)."""
    import importlib

    importlib.import_module("poseexplorer.io.video")


class MainWindow(QMainWindow):
    """Create, then call start(library, model, paths) to open a library (or the last one) and import."""

    def __init__(self, settings: AppSettings | None = None, with_3d: bool | None = None) -> None:
        """with_3d: None = when OpenGL works on this display (not on the offscreen platform)."""
        super().__init__()
        self.setWindowTitle("Pose Explorer")
        self.resize(1600, 1000)
        install_wheel_guard()
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self._closed = False
        self.settings = settings or AppSettings.load()
        self.state = AppState(self)
        self.state.min_visibility = self.settings.min_visibility
        self.runner = JobRunner(self)
        self.docks: dict[str, QDockWidget] = {}
        self._build_panels(with_3d)
        self._build_menus()
        self._build_shortcuts()
        self._build_status_bar()
        self.library_panel.addFilesRequested.connect(self.open_files)
        self.library_panel.addFolderRequested.connect(self.open_folder)
        self.controller.libraryFailed.connect(lambda msg: QMessageBox.warning(self, "Pose library", msg))
        self._restore_layout()
        self.memory = WindowMemory(self)

    def _build_panels(self, with_3d: bool | None) -> None:
        self.viewer = ViewerPanel(self.state)
        self.setCentralWidget(self.viewer)
        self.library_panel = LibraryPanel(self.state)
        self.controller = LibraryController(self.state, self.runner, self.library_panel, self.settings.workers, self)
        self.retrieval = RetrievalPanel(self.state, self.runner)
        self.ambiguity = AmbiguityPanel(self.state)
        self.scatter = ScatterPanel(self.state, self.runner)
        if with_3d is None:
            from .views.skeleton3d_view import opengl_available

            with_3d = opengl_available()
        self.skeleton3d = Skeleton3DPanel(self.state) if with_3d else None
        self.add_panel("Library", self.library_panel, "left")
        self.add_panel("Ambiguity", self.ambiguity, "left")
        self.add_panel("Retrieval", self.retrieval, "right")
        self.add_panel("3D skeleton", self.skeleton3d if self.skeleton3d is not None else
                       QLabel("The 3D view needs OpenGL, which this display does not offer."), "right")
        self.add_panel("Scatter", self.scatter, "bottom")
        self.sync_panel = SyncPanel(self.state, runner=self.runner)  # tabbed with the scatter
        self.add_panel("Sync", self.sync_panel, "bottom", scroll=True)
        self.sync_panel.synced.connect(lambda _result: self.controller.reload())  # it may index new videos
        self.tabifyDockWidget(self.docks["Scatter"], self.docks["Sync"])
        self.kinematics = KinematicsPanel(self.state)
        self.add_panel("Kinematics", self.kinematics, "bottom")
        self.tabifyDockWidget(self.docks["Sync"], self.docks["Kinematics"])
        self.sync_panel.synced.connect(lambda _result: self.kinematics.follow_sync(self.sync_panel))
        self.docks["Scatter"].raise_()
        self.docks["Sync"].visibilityChanged.connect(self._sync_shown)
        self._default_sizes()

    # --- panels -------------------------------------------------------------------------------------
    def add_panel(self, name: str, widget: QWidget, area: str = "right", scroll: bool = False) -> QDockWidget:
        """Add a dockable panel (used by other packages too: the sync panel). area: left/right/bottom/top.
        scroll: put a wide panel in a scroll area, so it never forces the window wider than a laptop screen."""
        dock = QDockWidget(name, self)
        dock.setObjectName(f"dock_{name.lower().replace(' ', '_')}")
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self.addDockWidget(AREAS.get(area, Qt.DockWidgetArea.RightDockWidgetArea), dock)
        self.docks[name] = dock
        if hasattr(self, "view_menu"):
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _default_sizes(self) -> None:
        """Side columns take the full height, about a quarter of the width each (so the centre keeps room
        for four synced videos on a 1366 px screen); the scatter sits under the viewer."""
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        d = self.docks
        left, right = (int(min(max(f * self.width(), 260), 440)) for f in (0.22, 0.26))
        self.resizeDocks([d["Library"], d["Retrieval"]], [left, right], Qt.Orientation.Horizontal)
        self.resizeDocks([d["Scatter"]], [330], Qt.Orientation.Vertical)
        self.resizeDocks([d["Library"], d["Ambiguity"]], [520, 420], Qt.Orientation.Vertical)
        self.resizeDocks([d["Retrieval"], d["3D skeleton"]], [560, 380], Qt.Orientation.Vertical)

    def _sync_shown(self, visible: bool) -> None:
        """The Sync tab needs more height than the scatter: raising it makes the bottom area tall enough
        for its videos and play controls (the viewer above gets smaller meanwhile)."""
        if visible and not self.docks["Sync"].isFloating():
            QTimer.singleShot(0, self._grow_sync_dock)   # after the tab switch is laid out

    def _grow_sync_dock(self) -> None:
        # title and the tab bar under it (resizeDocks counts the tab group without its bar) come on top
        wanted = max(self.sync_panel.minimumSizeHint().height() + 70, int(0.5 * self.height()))
        dock = self.docks["Sync"]
        if dock.height() < wanted:
            self.resizeDocks([dock], [wanted], Qt.Orientation.Vertical)

    # --- menus --------------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open files…", self.open_files, "Ctrl+O")
        self._action(file_menu, "Open &folder…", self.open_folder, "Ctrl+Shift+O")
        self._action(file_menu, "Open &library…", self.open_library_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Export results to CSV…", self.retrieval.export_csv_dialog, "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")
        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self._action(self.view_menu, "Reset layout", self.reset_layout)
        settings_menu = bar.addMenu("&Settings")
        self._action(settings_menu, "&Preferences…", self.open_settings, "Ctrl+,")
        self.train_action = self._action(settings_menu, "Train a model…", self.open_training_dialog)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Getting started", self.show_guide)
        self._action(help_menu, "Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "About Pose Explorer", self.show_about)

    def _build_shortcuts(self) -> None:
        handlers = {"play": self.viewer.toggle_play, "prev": lambda: self.viewer.step(-1),
                    "next": lambda: self.viewer.step(1), "prev10": lambda: self.viewer.step(-10),
                    "next10": lambda: self.viewer.step(10), "fit": self.viewer.view.fit}
        self.shortcuts = []
        for key, (sequence, _) in SHORTCUTS.items():
            if key in handlers:
                sc = QShortcut(QKeySequence(sequence), self)
                sc.activated.connect(handlers[key])
                self.shortcuts.append(sc)

    def _build_status_bar(self) -> None:
        self.jobs_label = QLabel("")
        self.statusBar().addPermanentWidget(self.jobs_label)
        self.state.statusMessage.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.runner.activity.connect(self._jobs_changed)

    def _jobs_changed(self, count: int) -> None:
        names = self.runner.running_names()
        self.jobs_label.setText(f"working: {', '.join(names)}" if names else "")

    # --- actions ------------------------------------------------------------------------------------
    def open_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add videos, images or keypoint files")
        self.import_paths(paths)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add an image folder")
        if path:
            self.import_paths([path])

    def import_paths(self, paths: list[str]) -> None:
        self.controller.import_paths(paths)

    def open_library_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Open or create a pose library", self.state.library_path or "",
                                              "Pose library (*.sqlite);;All files (*)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path and self.controller.open_library(path):
            self.settings.library_path = path
            self.settings.save()

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings(dialog.settings())

    def apply_settings(self, new: AppSettings) -> None:
        old, self.settings = self.settings, new
        new.save()
        self.controller.workers = new.workers
        if new.min_visibility != old.min_visibility:
            self.state.min_visibility = new.min_visibility
            self.state.optionsChanged.emit()
        if new.model_path != old.model_path:
            self.controller.load_model(new.model_path or None)
        if new.lift_model_path != old.lift_model_path:
            if new.lift_model_path:
                self.controller.load_lifter(new.lift_model_path)
            else:
                self.state.set_lifter(None)
        if new.library_path != old.library_path and new.library_path:
            self.controller.open_library(new.library_path)

    def open_training_dialog(self) -> None:
        try:
            from .training_dialog import TrainingDialog
        except ImportError as exc:
            QMessageBox.information(self, "Train a model", f"Training from the app is not available: {exc}")
            return
        dialog = TrainingDialog(self)
        dialog.show()
        self._training_dialog = dialog

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    def show_guide(self) -> None:
        from .help import HelpDialog, guide_html

        self.help_dialog = HelpDialog("Getting started", guide_html(), self)
        self.help_dialog.show()

    def show_about(self) -> None:
        from .help import HelpDialog, about_html

        self.help_dialog = HelpDialog("About Pose Explorer", about_html(self.state.model, self.state.model_path), self)
        self.help_dialog.show()

    # --- start-up -----------------------------------------------------------------------------------
    def start(self, library: str | None = None, model: str | None = None, paths: list[str] | None = None) -> None:
        """Open the given library (else the last one, else the default), load the model, import paths."""
        from ..library import default_library_path

        preload_extensions()
        from ..session.library_jobs import warm_up_job

        self.runner.run(warm_up_job, "start detection server", key="warm up", nice=10)
        lib = library or (self.settings.library_path if self.settings.reopen_last_library else "")
        lib = lib or str(default_library_path())
        if self.controller.open_library(lib):
            self.settings.library_path = self.state.library_path or lib
            self.settings.save()
        self.controller.load_model(model or self.settings.model_path or None)
        lifter = self.settings.lift_model_path or _bundled_lifter()
        if lifter:
            self.controller.load_lifter(lifter)
        self.memory.restore()
        if paths:
            self.import_paths([str(Path(p)) for p in paths])

    # --- drag and drop ------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # --- layout ---------------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        qs = QSettings()
        self._default_state = self.saveState(LAYOUT_VERSION)
        geometry, state = qs.value("window/geometry"), qs.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self._layout_restored = state is not None and self.restoreState(state, LAYOUT_VERSION)
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        """Keep the window, title bar included, inside the screen's free area: the default 1600 x 1000 or a
        size saved on a larger display would otherwise spill off a laptop screen (status bar and buttons out
        of reach). Before the window manager has framed the window its frame is estimated (FRAME_ALLOWANCE);
        the first show checks again with the real one."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        if extra_h <= 0:
            extra_w, extra_h = FRAME_ALLOWANCE
        w, h = min(self.width(), free.width() - extra_w), min(self.height(), free.height() - extra_h)
        if (w, h) != (self.width(), self.height()) or not free.contains(frame):
            self.resize(w, h)
            self.move(free.x() + (free.width() - w - extra_w) // 2, free.y() + (free.height() - h - extra_h) // 2)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            QTimer.singleShot(0, self._first_fit)   # the window manager's frame is known by then

    def _first_fit(self) -> None:
        self._fit_to_screen()
        if not self._layout_restored:
            self._default_sizes()   # side columns in proportion to the width the window really got

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()

    def save_layout(self) -> None:
        qs = QSettings()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(LAYOUT_VERSION))
        qs.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._closed:
            super().closeEvent(event)
            return
        self._closed = True
        self.save_layout()
        self.memory.save()
        self.runner.cancel_all(wait_ms=3000)   # a job still busy after that is detached, not killed
        self.sync_panel.shutdown()
        self.viewer.loader.stop()
        if self.skeleton3d is not None:
            self.skeleton3d.view.release()
        super().closeEvent(event)


def _bundled_lifter() -> str:
    """The bundled 3D-lifting model's path when it is installed, else "" (checked without importing torch)."""
    from ..embed.paths import LIFTER_NAME, bundled_asset_path

    path = bundled_asset_path(LIFTER_NAME)
    return str(path) if path.is_file() else ""
