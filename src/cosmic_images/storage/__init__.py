"""Persistence: SQLAlchemy models and repository, migrations, and the blob store."""

from .blobs import BlobStore, FileBlobStore
from .db import make_engine
from .migrate import current_revision, head_revision, sql_script, upgrade
from .repository import Attempt, GalleryEntry, ImageRecord, NewImage, Repository

__all__ = [
    "Attempt",
    "BlobStore",
    "FileBlobStore",
    "GalleryEntry",
    "ImageRecord",
    "NewImage",
    "Repository",
    "current_revision",
    "head_revision",
    "make_engine",
    "sql_script",
    "upgrade",
]
