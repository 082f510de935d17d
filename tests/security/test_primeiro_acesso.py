"""The desktop's first-run page creates one firm and one admin, however many requests race for it."""

import threading

import sqlalchemy as sa

from admin import desktop
from agentnfe.infra.extensions import db
from agentnfe.models import Contabilidade, User

from ..conftest import SENHA, csrf_de


def test_concurrent_first_runs_create_one_firm_and_one_admin(make_app):
    app = make_app()
    desktop.init_app(app, lambda: None)
    app.config[desktop.TOKEN] = "chave-do-primeiro-acesso"
    quantos = 4
    largada, codigos = threading.Barrier(quantos), []

    def primeiro_acesso(k: int) -> None:
        cliente = app.test_client()
        pagina = cliente.get("/primeiro-acesso?token=chave-do-primeiro-acesso")
        dados = {"csrf_token": csrf_de(pagina.get_data(as_text=True)), "token": "chave-do-primeiro-acesso",
                 "contabilidade": f"Contabilidade {k}", "email": f"dono{k}@firma.com", "senha": SENHA,
                 "confirmacao": SENHA}  # fmt: skip
        largada.wait()
        codigos.append(cliente.post("/primeiro-acesso", data=dados).status_code)

    fios = [threading.Thread(target=primeiro_acesso, args=(k,)) for k in range(quantos)]
    for fio in fios:
        fio.start()
    for fio in fios:
        fio.join(60)
    assert sorted(codigos) == [302] + [404] * (quantos - 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Contabilidade.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
