"""The development secret key: generated once per checkout, kept in `var/secret-key.txt`.

With DJANGO_DEBUG on and no DJANGO_SECRET_KEY, sessions and preview tokens are still
signed with a key nobody else knows: a constant in the code would let anyone who read it
forge them on every developer's or demo machine.
"""

import os
import secrets
import stat

FILE_NAME = "secret-key.txt"


def development_secret_key(var_dir):
    """The key kept in `var_dir`, created (readable by its owner only) the first time."""
    path = var_dir / FILE_NAME
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of processes starting together, one writes and the others read.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
        descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key
