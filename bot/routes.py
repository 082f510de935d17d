"""HTTP endpoints of the bot blueprint; thin wrappers over the domain."""

from flask import jsonify

from agentnfe import health
from agentnfe.extensions import limiter

from . import bp


@bp.get("/healthz")
@limiter.exempt
def healthz():
    body, code = health.report()
    return jsonify(body), code
