"""What every request handler shares: reading bodies that may be hostile, telling storage faults apart."""

from __future__ import annotations

import errno

from flask import request


def json_do_corpo():
    """The request body as JSON, or None when it is not JSON or nests deeper than the parser can go."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def sem_espaco(erro: OSError) -> bool:
    """A full disk, a quota or a read-only file system: the request may succeed later (503), it is not a bug."""
    return erro.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
