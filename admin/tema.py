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


@functools.cache
def _sem_importacoes() -> str:
    return re.sub(r"@import\s+url\([^)]*\)\s*;?", "", SWATCH.read_text(encoding="utf-8"))
