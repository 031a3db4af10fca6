"""Library panel: media list with thumbnails and status, imports with progress and cancel, errors, removal.

The panel only shows things and forwards user actions; the main window's LibraryController does the work.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from ...session.snapshot import MediaRow
from ..state import AppState

STATUS_TEXT = {"done": "", "pending": "waiting", "indexing": "indexing…", "error": "error",
               "cancelled": "cancelled (partial)"}


class ImportRow(QWidget):
    """One import in progress: what, how far, and a Cancel button."""

    def __init__(self, title: str, on_cancel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown_at = 0.0
        self.label = QLabel(title)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self._on_cancel = on_cancel
        self.cancelling = False
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop this import; the frames already detected are kept and a later "
                                      "import of the same file resumes")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.label)
        layout.addLayout(row)

    def cancel(self) -> None:
        """Ask the import to stop, and say so at once: stopping takes a moment (the detector processes
        finish or are stopped, and what they detected is saved)."""
        if self.cancelling:
            return
        self.cancelling = True
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.bar.setRange(0, 0)
        self.bar.setFormat("stopping: saving the frames already detected")
        self._on_cancel()

    def set_progress(self, done: int, total: int, message: str) -> None:
        """Shown at most 5 times a second (each repaint costs; progress may arrive per frame)."""
        if self.cancelling:
            return
        now = time.monotonic()
        if now - self._shown_at < 0.2 and done < total:
            return
        self._shown_at = now
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.bar.setFormat(f"%v / %m  {message[:40]}" if total > 0 else message[:40])


class LibraryPanel(QWidget):
    """Signals: addFilesRequested, addFolderRequested, removeRequested(list of media ids),
    clearErrorsRequested."""

    addFilesRequested = Signal()
    addFolderRequested = Signal()
    removeRequested = Signal(list)
    clearErrorsRequested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.thumbnails: dict[int, QImage] = {}
        self._placeholders: dict[bool, QIcon] = {}
        self._filled: tuple | None = None   # (media, pose counts) the list shows, None after a thumbnail
        self.list = QListWidget()
        self.list.setIconSize(QSize(56, 56))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemClicked.connect(self._clicked)
        self.list.setToolTip("Click to open; drop videos or image folders anywhere on the window")
        self.errors = QListWidget()
        self.errors.setMaximumHeight(90)
        self.errors.hide()
        self.imports = QVBoxLayout()
        self.summary = QLabel("Drop videos or image folders here, or use File > Open.")
        self.summary.setWordWrap(True)
        self._build()
        state.snapshotChanged.connect(self.refresh)
        state.mediaSelected.connect(self._media_selected)

    def _build(self) -> None:
        buttons = QHBoxLayout()
        for text, tip, slot in (("Add files…", "Add videos, images or keypoint files", self.addFilesRequested.emit),
                                ("Add folder…", "Add an image folder", self.addFolderRequested.emit),
                                ("Remove", "Remove the selected media from the library", self._remove)):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        self.clear_errors_button = QPushButton("Clear errors")
        self.clear_errors_button.setToolTip("Forget failed files (their library entries and messages)")
        self.clear_errors_button.clicked.connect(self.clearErrorsRequested.emit)
        self.clear_errors_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)
        layout.addLayout(self.imports)
        layout.addWidget(self.errors)
        layout.addWidget(self.clear_errors_button)
        layout.addWidget(self.summary)

    # --- imports -------------------------------------------------------------------------------------
    def add_import_row(self, title: str, on_cancel) -> ImportRow:
        row = ImportRow(title, on_cancel)
        self.imports.addWidget(row)
        return row

    def remove_import_row(self, row: ImportRow) -> None:
        self.imports.removeWidget(row)
        row.deleteLater()

    def import_rows(self) -> list[ImportRow]:
        return [self.imports.itemAt(i).widget() for i in range(self.imports.count())]

    def add_errors(self, messages: list[str]) -> None:
        for msg in messages:
            item = QListWidgetItem(msg)
            item.setForeground(QColor(230, 90, 80))
            item.setToolTip(msg)
            self.errors.addItem(item)
        self._update_error_widgets()

    def clear_error_messages(self) -> None:
        self.errors.clear()
        self._update_error_widgets()

    def _update_error_widgets(self) -> None:
        has_media_errors = any(m.status == "error" for m in self.state.snapshot.media)
        self.errors.setVisible(self.errors.count() > 0)
        self.clear_errors_button.setVisible(self.errors.count() > 0 or has_media_errors)

    # --- media list ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        snap = self.state.snapshot
        counts = snap.pose_counts()
        if (snap.media, counts) != self._filled:   # a reload with the same media (e.g. now embedded) keeps
            self._fill(snap.media, counts)          # the list: 4,445 rows took 0.6 s of the GUI thread
            self._filled = (snap.media, counts)
        n_media = len(snap.media)
        self.summary.setText(f"{n_media} media, {len(snap)} poses" if n_media else
                             "Drop videos or image folders here, or use File > Open.")
        self._update_error_widgets()

    def show_media(self, media: tuple[MediaRow, ...]) -> None:
        """The library's media list while an import runs (statuses and pose counts from the library)."""
        self._fill(media, {m.media_id: max(0, m.n_poses) for m in media})

    def _fill(self, media, counts: dict[int, int]) -> None:
        self._filled = None
        self.list.clear()
        for m in media:
            item = QListWidgetItem(self._icon(m), self._text(m, counts.get(m.media_id, 0)))
            item.setData(Qt.ItemDataRole.UserRole, m.media_id)
            item.setToolTip(m.path + (f"\n{m.error}" if m.error else ""))
            if m.status == "error":
                item.setForeground(QColor(230, 90, 80))
            self.list.addItem(item)
            if m.media_id == self.state.media_id:
                item.setSelected(True)

    def _text(self, m: MediaRow, n_poses: int) -> str:
        status = STATUS_TEXT.get(m.status, m.status)
        first = f"{m.name}" + (f"  [{status}]" if status else "")
        if m.status == "error":
            return f"{first}\n{m.error[:80]}"
        kind = f"{m.n_frames} frames" + (f" @ {m.fps:.0f} fps" if m.fps else "")
        return f"{first}\n{kind} · {n_poses} poses"

    def _icon(self, m: MediaRow) -> QIcon:
        image = self.thumbnails.get(m.media_id)
        if image is None:   # one placeholder per colour, shared by the rows (4,445 media: 4,445 pixmaps)
            failed = m.status == "error"
            if failed not in self._placeholders:
                pix = QPixmap(56, 56)
                pix.fill(QColor(110, 40, 40) if failed else QColor(60, 60, 66))
                self._placeholders[failed] = QIcon(pix)
            return self._placeholders[failed]
        return QIcon(QPixmap.fromImage(image))

    def set_thumbnails(self, images: dict) -> None:
        self.thumbnails.update(images)
        self._filled = None
        self.refresh()

    def selected_media_ids(self) -> list[int]:
        return [int(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()]

    def _remove(self) -> None:
        ids = self.selected_media_ids()
        if ids:
            self.removeRequested.emit(ids)

    def _clicked(self, item: QListWidgetItem) -> None:
        media_id = int(item.data(Qt.ItemDataRole.UserRole))
        if media_id != self.state.media_id:
            frames = self.state.snapshot.frames_of(media_id)
            self.state.select_media(media_id, int(frames[0]) if len(frames) else 0)

    def _media_selected(self, media_id: int) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setSelected(int(item.data(Qt.ItemDataRole.UserRole)) == media_id)
