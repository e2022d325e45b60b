"""An inbound attachment's bytes, as Django storage takes them.

A large attachment arrives in a temporary file (channels/email/spool.py). Storage is handed a hard
link to it: FileSystemStorage moves that link into place, so no byte is copied and none is held in
memory, and the temporary file stays for a retry (ingest applies a failed batch again item by item);
a storage elsewhere reads it in chunks. The channel deletes the temporary file when it is done.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.base import ContentFile

if TYPE_CHECKING:
    from channels.base import InboundAttachment


def attachment_content(attachment: InboundAttachment) -> File | None:
    """A File of `attachment`'s bytes, to use in a `with` block; None if it has none (a url only)."""
    if attachment.file is not None:
        try:
            return LinkedFile(attachment.file.name)
        except OSError:  # a file system without hard links: storage copies it, in chunks
            return File(open(attachment.file.name, "rb"))
    if attachment.data is not None:
        return ContentFile(attachment.data)
    return None


class LinkedFile(File):
    def __init__(self, path: str) -> None:
        self.link = f"{path}.{uuid.uuid4().hex}"
        os.link(path, self.link)
        super().__init__(open(self.link, "rb"), name=os.path.basename(path))

    def temporary_file_path(self) -> str:
        # What FileSystemStorage moves instead of writing the file again.
        return self.link

    def close(self) -> None:
        super().close()
        try:
            os.remove(self.link)
        except FileNotFoundError:
            pass  # moved into storage
