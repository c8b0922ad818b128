"""Paths inside a workspace that links cannot lead out of.

A workspace folder may be shared, unpacked from an archive or written by other programs, so a
file in it may be a symbolic link. Two rules keep that harmless:

- **readers that serve files** (the server's file routes) take only a regular file whose real
  path is the path itself: no link anywhere below the workspace folder, so
  ``reports/report.html -> /etc/passwd`` or ``-> ../.studio/studio.sqlite`` is never served;
- **writers** refuse a folder, or an entry in it, whose real path leaves the workspace: a
  ``reviews -> /elsewhere`` link is not written through. Links that stay inside are followed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from alignment_studio.core.errors import StudioError

# O_NOFOLLOW makes open() itself refuse a link, so a link swapped in after the checks is not
# followed either; the platforms without it get the checks alone.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def is_real(path: Path) -> bool:
    """Whether ``path`` (absolute, below an already resolved folder) names itself: no part of
    it is a symbolic link."""
    return os.path.realpath(path) == os.path.abspath(path)


def read_plain_file(path: Path, folder: Path) -> bytes | None:
    """The bytes of ``path`` when it is a regular file directly in ``folder``, with no link on
    the way; None otherwise (missing, a link, a folder, a device, outside ``folder``)."""
    if path.parent != folder or not is_real(folder) or path.is_symlink():
        return None
    try:  # non-blocking: a FIFO put in its place must not hang the reader
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def leaves(path: Path, root: Path) -> bool:
    """Whether ``path``'s real location (every link followed) is outside ``root``."""
    return not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def output_dir(root: Path, name: str) -> Path:
    """``root/name``, made if missing, for a writer: a one-line error when it, or an entry in
    it, is a link that leaves the workspace, or when it is not a folder."""
    folder = root / name
    if leaves(folder, root):
        raise StudioError(f"'{name}' is a link that leads out of the workspace; refusing to "
                          f"write through it (make '{name}' a plain folder)", folder)
    if folder.exists() and not folder.is_dir():
        raise StudioError(f"'{name}' is a file, not a folder: move it away so the workspace "
                          "can write there", folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_symlink() and leaves(entry, root):
            raise StudioError("a link that leads out of the workspace; refusing to write "
                              "through it (remove the link)", entry)
    return folder


def output_file(root: Path, path: Path) -> Path:
    """``path`` for a writer, when it is inside the workspace: a one-line error when it, or a
    folder on the way, is a link that leads out. A path outside the workspace, named by the
    user, is theirs to choose and is returned as is."""
    if not Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root)):
        return path
    if leaves(path, root) or leaves(path.parent, root):
        raise StudioError("a link that leads out of the workspace; refusing to write through "
                          "it (remove the link)", path)
    return path
