"""The benchmark's yardsticks, served with the same waitress settings as the app:
`python tools/bench/referencias.py waitress|flask PORT THREADS`.

`waitress`: a bare WSGI function; `flask`: a bare Flask route that reads a JSON body and answers JSON. The
webhook's numbers are reported as ratios to these, measured in the same run on the same machine.
"""

from __future__ import annotations

import sys

import waitress
from flask import Flask, jsonify, request


def wsgi_nu(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "19")])
    return [b'{"status":"queued"}']


def flask_nu() -> Flask:
    app = Flask("referencia")

    @app.route("/webhook/evolution", methods=["GET", "POST"])
    def rota():
        request.get_json(silent=True)
        return jsonify({"status": "queued"})

    return app


if __name__ == "__main__":
    tipo, porta, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    aplicacao = wsgi_nu if tipo == "waitress" else flask_nu()
    waitress.create_server(aplicacao, host="127.0.0.1", port=porta, threads=threads, ident="referencia").run()
