"""Persistence: SQLAlchemy models and repository, migrations, and the blob store."""

from .blobs import BlobStore, FileBlobStore, blob_store_from_url, register_blob_store
from .db import make_engine
from .migrate import current_revision, head_revision, sql_script, upgrade
from .repository import GalleryEntry, ImageRecord, NewImage, Repository

__all__ = [
    "BlobStore",
    "FileBlobStore",
    "GalleryEntry",
    "ImageRecord",
    "NewImage",
    "Repository",
    "blob_store_from_url",
    "current_revision",
    "head_revision",
    "make_engine",
    "register_blob_store",
    "sql_script",
    "upgrade",
]
