"""SkeletonView3D: pyqtgraph.opengl view of one or two 3D skeletons (plain arrays), with orbit and reset.

Input points are in the MediaPipe world convention (metres, hip-centred, x right, y down, z towards the
camera's far side); they are drawn with z up so the figure stands on the grid.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtGui import QImage, QVector3D
from PySide6.QtOpenGL import QOpenGLWindow
from PySide6.QtWidgets import QVBoxLayout, QWidget

PRIMARY = (0.35, 0.75, 1.0, 1.0)
SECONDARY = (1.0, 0.55, 0.2, 1.0)


def opengl_available() -> bool:
    """Whether this display can run the 3D view (offscreen/minimal platforms cannot; pyqtgraph's 3D items
    then fail and a GL window can crash the process). Needs a QGuiApplication."""
    from PySide6.QtGui import QGuiApplication, QOpenGLContext

    if QGuiApplication.platformName() in ("offscreen", "minimal", "vnc", "linuxfb"):
        return False
    context = QOpenGLContext()
    if not context.create():
        return False
    major, minor = context.format().majorVersion(), context.format().minorVersion()
    return (major, minor) >= (2, 1)


def to_gl(xyz: np.ndarray) -> np.ndarray:
    """MediaPipe world (x right, y down, z away) -> GL view (x right, y away, z up). (J, 3) -> (J, 3)."""
    xyz = np.asarray(xyz, dtype=np.float32)
    return np.stack([xyz[:, 0], xyz[:, 2], -xyz[:, 1]], axis=1)


def bone_segments(xyz: np.ndarray, bones: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(2 * n_bones, 3) start/end pairs for GLLinePlotItem(mode='lines'), skipping bones with NaN ends."""
    pairs = [(a, b) for a, b in bones if np.all(np.isfinite(xyz[[a, b]]))]
    if not pairs:
        return np.zeros((0, 3), np.float32)
    return xyz[np.asarray(pairs).reshape(-1)].astype(np.float32)


class _GLWindow(GLViewMixin, QOpenGLWindow):
    """pyqtgraph's 3D view as a QOpenGLWindow. Embedded with createWindowContainer it renders on its own;
    a QOpenGLWidget instead makes Qt composite the whole main window through OpenGL on every repaint,
    which under software GL (Xvfb, llvmpipe) cost 50-170 ms per progress update during an import."""


class SkeletonView3D(QWidget):
    """Two skeleton slots (the selected pose and an aligned result) over a floor grid. Orbit: drag;
    zoom: wheel."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.gl = _GLWindow()
        self.gl.setBackgroundColor((25, 25, 28))
        self.container = QWidget.createWindowContainer(self.gl, self)
        self.container.setMinimumSize(120, 120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.container)
        grid = gl.GLGridItem()
        grid.setSize(3, 3)
        grid.setSpacing(0.25, 0.25)
        grid.translate(0, 0, -1.0)
        self.gl.addItem(grid)
        self._lines = [gl.GLLinePlotItem(mode="lines", width=3, antialias=True, color=c)
                       for c in (PRIMARY, SECONDARY)]
        self._dots = [gl.GLScatterPlotItem(size=8, color=c) for c in (PRIMARY, SECONDARY)]
        for item in self._lines + self._dots:
            item.setVisible(False)
            self.gl.addItem(item)
        self.shown = [False, False]
        self.reset_view()

    def reset_view(self) -> None:
        self.gl.setCameraPosition(pos=QVector3D(0, 0, 0), distance=3.2, elevation=12, azimuth=-90)

    def release(self) -> None:
        """Free the GL window now, while the QApplication and the display still exist (a GL window
        left to the interpreter's final garbage collection crashed the process at exit under Xvfb)."""
        if self.gl is not None:
            self.gl.destroy()

    def grab_image(self) -> QImage:
        """The rendered 3D view (a widget grab does not include the embedded GL window)."""
        return self.gl.grabFramebuffer()

    def set_skeleton(self, slot: int, xyz: np.ndarray | None, bones: tuple[tuple[int, int], ...] = (),
                     offset: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        """Show a skeleton in slot 0 (selected) or 1 (result); None hides it. xyz: (J, 3) world units."""
        line, dots = self._lines[slot], self._dots[slot]
        if xyz is None or not np.any(np.isfinite(xyz)):
            line.setVisible(False)
            dots.setVisible(False)
            self.shown[slot] = False
            return
        pts = to_gl(xyz) + np.asarray(offset, np.float32)
        line.setData(pos=bone_segments(pts, bones))
        dots.setData(pos=pts[np.all(np.isfinite(pts), axis=1)])
        line.setVisible(True)
        dots.setVisible(True)
        self.shown[slot] = True
