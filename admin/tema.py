"""The back-office's stylesheet with no request to another host. Flask-Admin's flatly swatch imports its font
from Google Fonts; it is served here without that import (the swatch falls back to the system's fonts), so the
desktop app works offline and no user's address reaches a third party."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import flask_admin
from flask import Blueprint, Response

bp = Blueprint("tema", __name__)
SWATCH = Path(flask_admin.__file__).parent / "static/bootstrap/bootstrap4/swatch/flatly/bootstrap.min.css"


@bp.get("/tema.css")
def folha() -> Response:
    return Response(_sem_importacoes(), mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


ICONE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2c3e50"/>'
    '<path d="M9 7h10l5 5v13H9z" fill="#fff"/><path d="M19 7v5h5" fill="#bdc3c7"/>'
    '<path d="M12 17h9M12 21h6" stroke="#18bc9c" stroke-width="2"/></svg>'
)
"""The product's icon (a note with two green lines, in the theme's colours), drawn here: no file, no other host."""


@bp.get("/favicon.ico")
@bp.get("/favicon.svg")
def icone() -> Response:
    return Response(ICONE, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=604800"})


@functools.cache
def _sem_importacoes() -> str:
    return re.sub(r"@import\s+url\([^)]*\)\s*;?", "", SWATCH.read_text(encoding="utf-8"))
