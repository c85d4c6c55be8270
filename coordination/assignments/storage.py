"""Attachments on disk, outside static/: checked for size and type before anything is kept."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from coordination.operations import OperationError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10

# Extension -> accepted leading bytes (None: text, any content). Office files are zip containers.
ALLOWED = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "ppt": (b"\xd0\xcf\x11\xe0",),
    "ofd": (b"PK\x03\x04",),  # the Chinese national fixed-layout format
    "zip": (b"PK\x03\x04",),
    "txt": None,
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
}


@dataclass
class StoredFile:
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str
    path: Path


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(name: str | None) -> str:
    """Keep Chinese names readable; drop path parts and control characters."""
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*')
    return name[-200:] or "file"


def check(files: list[FileStorage]) -> list[tuple[FileStorage, str, bytes]]:
    """Validates every file before any is written, so a bad one rejects the whole submission."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise OperationError(_("At most %(n)d files at a time.", n=MAX_FILES), "files")
    checked = []
    for upload in files:
        name = clean_filename(upload.filename)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in ALLOWED:
            raise OperationError(
                _(
                    "%(name)s: this file type is not accepted. Allowed: %(types)s.",
                    name=name,
                    types=", ".join(sorted(ALLOWED)),
                ),
                "files",
            )
        data = upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise OperationError(
                _("%(name)s is larger than %(mb)d MB.", name=name, mb=MAX_FILE_BYTES // (1024 * 1024)),
                "files",
            )
        if not data:
            raise OperationError(_("%(name)s is empty.", name=name), "files")
        magic = ALLOWED[extension]
        if magic is not None and not data.startswith(magic):
            raise OperationError(
                _("%(name)s does not look like a .%(ext)s file.", name=name, ext=extension), "files"
            )
        checked.append((upload, name, data))
    return checked


def write(checked: list[tuple[FileStorage, str, bytes]]) -> list[StoredFile]:
    stored = []
    for _upload, name, data in checked:
        extension = name.rsplit(".", 1)[-1].lower()
        stored_name = f"{uuid.uuid4().hex}.{extension}"
        path = upload_dir() / stored_name
        path.write_bytes(data)
        stored.append(
            StoredFile(
                filename=name,
                stored_name=stored_name,
                content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                path=path,
            )
        )
    return stored


def discard(stored: list[StoredFile]) -> None:
    """Undo written files when the transaction that would have referenced them fails."""
    for item in stored:
        item.path.unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    return upload_dir() / stored_name


# Files written inside a transaction are removed if it rolls back, so no orphan is left behind.


def track(session: Session, stored: list[StoredFile]) -> None:
    session.info.setdefault("written_files", []).extend(stored)


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop("written_files", None)


@event.listens_for(Session, "after_rollback")
def _remove_files(session: Session) -> None:
    discard(session.info.pop("written_files", []))
