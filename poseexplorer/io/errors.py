"""The one error type for unreadable media."""
from __future__ import annotations


class MediaError(Exception):
    """A file or folder that cannot be read as media; the message names the file and the reason."""
