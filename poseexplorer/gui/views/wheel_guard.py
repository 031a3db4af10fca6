"""Spin boxes and combo boxes take the mouse wheel only when they have the keyboard focus.

Otherwise a wheel turn meant to scroll a form changes whatever field passes under the pointer (a training
setting went from 0.04 to 0.00 unnoticed). One application-wide event filter: an unfocused field passes
the wheel event on to its parents, as Qt does with an event nobody wants (the scroll area scrolls), and
such fields no longer take the focus from the wheel.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """Installed on the QApplication by install_wheel_guard()."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Wheel and isinstance(obj, GUARDED):
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            if not obj.hasFocus():
                pass_to_parents(obj, event)
                return True
        return False


def pass_to_parents(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel event to each parent up to the window until one accepts it (Qt does this itself only
    for events from the window system; doing it here covers both kinds exactly once)."""
    pos, child = event.position(), widget
    while not child.isWindow() and child.parentWidget() is not None:
        parent = child.parentWidget()
        pos = child.mapToParent(pos)
        copy = QWheelEvent(pos, event.globalPosition(), event.pixelDelta(), event.angleDelta(), event.buttons(),
                           event.modifiers(), event.phase(), event.inverted(), event.source())
        QApplication.sendEvent(parent, copy)
        if copy.isAccepted():
            break
        child = parent
    event.accept()


def install_wheel_guard(app: QApplication | None = None) -> None:
    """Install the guard once on the application (repeated calls do nothing)."""
    app = app or QApplication.instance()
    if app is None or app.property("wheelGuard"):
        return
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    app.setProperty("wheelGuard", True)
