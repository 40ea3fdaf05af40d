"""Files stored whole or not at all: the default storage on the filesystem.

Django's FileSystemStorage writes an upload straight under its final name, so a disk that
fills (or turns read-only) during the write leaves a half-written file that a later request
would serve. Here the bytes go to a hidden temporary file in the same directory, are
flushed to disk, and only then take their name (a hard link, which never replaces another
file); on any failure the temporary file is removed and the error raised to the caller.
"""

import contextlib
import os
import tempfile

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as target:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            while True:
                try:
                    os.link(temporary, full_path)
                    break
                except FileExistsError:
                    # Taken since get_available_name() chose it: choose again.
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return str(name).replace("\\", "/")
