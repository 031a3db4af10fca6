"""Opening a library file's SQLite connection, read-only where the file cannot be written, and turning
SQLite's errors into messages that say what actually happened (a constraint, a read-only file, a lock, or
real damage: only the last one asks for a backup)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from .schema import LibraryError


def writable(path: Path) -> bool:
    """Whether this process may write the library file and its folder (SQLite's WAL files live beside it)."""
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def make_folder(path: Path) -> bool:
    """Create the library's folder if missing; True when it was created. LibraryError when impossible."""
    folder = path.parent
    if folder.is_dir():
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), folder)
        raise LibraryError(f"cannot create the library {path}: {blocker} is a file, not a folder") from None
    except OSError as exc:
        raise LibraryError(f"cannot create the library folder {folder}: {exc.strerror or exc}") from None
    return True


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """An autocommit connection; read_only opens with mode=ro (falling back to immutable=1 when SQLite
    cannot even create its shared-memory file beside a WAL library in a read-only folder)."""
    try:
        if not read_only:
            return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        uri = f"file:{quote(str(path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False, timeout=30)
    except sqlite3.Error as exc:
        raise LibraryError(f"cannot open pose library {path}: {exc}") from exc


def library_error(path: Path, exc: sqlite3.Error, read_only: bool = False) -> LibraryError:
    """The LibraryError that says what an SQLite error means for the user."""
    text = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        return LibraryError(f"the pose library {path} refused a value ({text}); the library is not damaged "
                            "and nothing was changed by this write")
    if read_only or "readonly" in text.replace("-", "").replace(" ", "") or "read-only" in text:
        return LibraryError(f"the pose library {path} is read-only (no write permission for this user); "
                            "it can be viewed and exported but not changed")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return LibraryError(f"the pose library {path} is busy (another program holds a write lock); "
                            "try again when it has finished")
    if isinstance(exc, sqlite3.OperationalError) and ("disk" in text or "full" in text):
        return LibraryError(f"cannot write the pose library {path}: {text} (is the disk full?); "
                            "the library was left as it was before this write")
    return LibraryError(f"the pose library {path} is damaged ({text}); restore it from a backup or start a new one")
