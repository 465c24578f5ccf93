"""Files only the gateway's own user may read: the database, the admin token, the secret key,
the demo credentials. Created 0600 (directories 0700) from the start, never chmod-ed afterwards
(no moment when another user could open them)."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) 0700; an existing directory is left as it is."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, created 0600 (an existing file is made 0600 too)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def private_database_file(path: Path) -> None:
    """A SQLite database file that exists and is 0600 before SQLite opens it: SQLite creates its
    -wal and -shm files with the database file's mode. Files left readable by an earlier version
    are made 0600 as well."""
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            if name.stat().st_mode & 0o077:
                name.chmod(FILE_MODE)
        except FileNotFoundError:
            pass
