"""The one QPainter skeleton renderer, on a QImage and through the sync players' view (mirrored)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from poseexplorer.gui.views.skeleton_painter import draw_skeleton
from poseexplorer.gui.views.skeleton_style import LEFT, RIGHT

pytestmark = pytest.mark.gui

#: a stick figure, joints well apart: nose, shoulders, elbows, wrists, hips, knees, ankles (COCO-13 order)
FIGURE = np.array([[100, 20], [130, 50], [70, 50], [160, 80], [40, 80], [180, 110], [20, 110],
                   [120, 120], [80, 120], [125, 155], [75, 155], [130, 190], [70, 190]], np.float64)
BACKGROUND = (0, 0, 0)


def painted(xy, scores=None, joints=True, colour=None) -> QImage:
    image = QImage(200, 200, QImage.Format.Format_RGB888)
    image.fill(QColor(*BACKGROUND))
    painter = QPainter(image)
    draw_skeleton(painter, xy, scores, 0.5, 3.0, colour, joints=joints)
    painter.end()
    return image


def rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(round(x), round(y))
    return c.red(), c.green(), c.blue()


def midpoint(a: int, b: int, xy=FIGURE) -> np.ndarray:
    return (xy[a] + xy[b]) / 2


def test_bones_coloured_by_side_joints_as_dots(qapp):
    image = painted(FIGURE)
    assert rgb(image, *midpoint(1, 3)) == LEFT          # left shoulder -> left elbow
    assert rgb(image, *midpoint(2, 4)) == RIGHT
    assert rgb(image, *FIGURE[5]) == (255, 255, 255)    # a visible joint: a white dot
    assert rgb(painted(FIGURE, joints=False), *FIGURE[5]) != (255, 255, 255)
    assert rgb(painted(FIGURE, colour=(10, 200, 30)), *midpoint(2, 4)) == (10, 200, 30)


def test_low_visibility_and_missing_joints(qapp):
    scores = np.ones(13)
    scores[3] = 0.1                                     # left elbow barely visible: its bones grey dashes
    image = painted(FIGURE, scores)
    along = [rgb(image, *(FIGURE[1] + t * (FIGURE[3] - FIGURE[1]))) for t in np.linspace(0.2, 0.8, 25)]
    assert LEFT not in along and any(p != BACKGROUND for p in along)
    missing = FIGURE.copy()
    missing[4] = np.nan                                 # right elbow absent: its bones are not drawn
    image = painted(missing)
    assert rgb(image, *midpoint(2, 4)) == BACKGROUND and rgb(image, *midpoint(2, 8)) == RIGHT


def test_sync_view_draws_the_skeleton_mirrored_with_the_picture(qtbot):
    from poseexplorer.gui.frame_loader import decoded_frame
    from poseexplorer.gui.sync.video_view import CAPTION_H, SKELETON_COLOUR, VideoFrameView

    view = VideoFrameView()
    qtbot.addWidget(view)
    view.setFixedSize(200, 200 + CAPTION_H)            # the picture fills the view at scale 1
    view.show()
    qtbot.waitExposed(view)
    frame = decoded_frame(np.zeros((200, 200, 3), np.uint8))
    xy = FIGURE - [15, 0]                               # off-centre: the shoulder line spans x 55..115 at y 50
    view.set_frame(frame, "frame 0", xy)
    grabbed = view.grab().toImage()
    assert rgb(grabbed, 60, 50) == SKELETON_COLOUR and rgb(grabbed, 140, 50) != SKELETON_COLOUR
    view.set_flipped(True)
    grabbed = view.grab().toImage()
    assert rgb(grabbed, 140, 50) == SKELETON_COLOUR and rgb(grabbed, 60, 50) != SKELETON_COLOUR
