"""Hostile bodies never give a 500, never make a provider retry forever (503), and leave nothing stored when refused.

Covers docs/arquitetura.md §6: authenticate first, then parse into typed objects; 413 beyond MAX_BODY_KB; texts cut to 4,096
characters; instance names never reach an outbound URL unless they are plain identifiers.
"""

import json

import pytest
import sqlalchemy as sa

from agentnfe.conversation.llm import ExtratorLLM
from agentnfe.conversation.respostas import SO_TEXTO
from agentnfe.infra.extensions import db
from agentnfe.integrations.entrada import TEXTO_MAXIMO
from agentnfe.models import Direcao, Envio, Mensagem, Provider, TipoMensagem

from .. import factories
from ..conftest import API_TOKEN, WEBHOOK_TOKEN, assinar, bot_settings

PROFUNDO = "[" * 100_000 + "]" * 100_000


def contar() -> int:
    return db.session.scalar(sa.select(sa.func.count(Mensagem.id)))


def entradas() -> list[Mensagem]:
    return db.session.scalars(
        sa.select(Mensagem).where(Mensagem.direcao == Direcao.ENTRADA).order_by(Mensagem.id)
    ).all()


def postar_bruto(client, caminho: str, bruto: str | bytes, **headers):
    return client.post(caminho, data=bruto, headers={"Content-Type": "application/json", **headers})


def test_send_authenticates_before_it_reads_a_body_nested_100000_deep(whatsapp):
    client = whatsapp.client
    anonimo = postar_bruto(client, "/send/", PROFUNDO)
    assert anonimo.status_code == 401 and anonimo.get_json() == {"error": "unauthorized"}
    autenticado = postar_bruto(client, "/send/", PROFUNDO, Authorization=f"Bearer {API_TOKEN}")
    assert autenticado.status_code == 400 and "telefone" in autenticado.get_json()["error"]
    evolution = postar_bruto(client, "/webhook/evolution", PROFUNDO, **{"X-Webhook-Token": WEBHOOK_TOKEN})
    assert evolution.status_code == 400
    assert contar() == 0


def test_meta_body_nested_too_deep_is_400(meta_app):
    client = meta_app.test_client()
    resposta = postar_bruto(client, "/webhook/meta", PROFUNDO, **{"X-Hub-Signature-256": assinar(PROFUNDO.encode())})
    assert resposta.status_code == 400
    assert contar() == 0


@pytest.mark.parametrize("tipo", [["conversation"], {"a": 1}, 7, None, True])
def test_an_evolution_message_type_that_is_not_a_name_is_read_from_the_message(whatsapp, alfa, tipo):
    resposta = whatsapp.postar(whatsapp.evento("ajuda", messageType=tipo))
    assert resposta.status_code == 200 and resposta.get_json() == {"status": "queued"}
    [mensagem] = entradas()
    assert mensagem.tipo is TipoMensagem.TEXTO and mensagem.texto == "ajuda"
    assert "CNPJ ou CPF do cliente" in whatsapp.respostas()[0]


@pytest.mark.parametrize("conversa", [{"text": "oi"}, ["oi"], 12])
def test_a_conversation_that_is_not_text_is_stored_as_other_never_503(whatsapp, alfa, conversa):
    resposta = whatsapp.postar(whatsapp.evento(None, message={"conversation": conversa}))
    assert resposta.status_code == 200 and resposta.get_json() == {"status": "queued"}
    [mensagem] = entradas()
    assert mensagem.tipo is TipoMensagem.OUTRO and mensagem.texto is None
    assert whatsapp.respostas() == [SO_TEXTO]


@pytest.mark.parametrize(
    "mudar",
    [
        lambda c: c.update(entry=["x"]),
        lambda c: c["entry"][0].update(changes="abc"),
        lambda c: c["entry"][0]["changes"][0].update(value=[1]),
        lambda c: c["entry"][0]["changes"][0]["value"].update(messages={"id": "x"}),
        lambda c: c["entry"][0]["changes"][0]["value"]["messages"][0].update(id=["wamid"]),
        lambda c: c["entry"][0]["changes"][0]["value"]["metadata"].update(phone_number_id={"x": 1}),
        lambda c: c["entry"][0]["changes"][0]["value"]["metadata"].update(phone_number_id="../../v1/me"),
    ],
    ids=["entry-de-textos", "changes-texto", "value-lista", "messages-objeto", "id-lista", "instancia-objeto",
         "instancia-caminho"],
)  # fmt: skip
def test_meta_bodies_with_a_valid_signature_but_a_wrong_shape_are_400(meta_app, mudar):
    from ..test_bot_meta_send import AMOSTRA, postar_meta

    corpo = json.loads(json.dumps(AMOSTRA))
    mudar(corpo)
    resposta = postar_meta(meta_app.test_client(), corpo)
    assert resposta.status_code == 400 and resposta.get_json()["error"]
    assert contar() == 0


@pytest.mark.parametrize("tipo,texto", [(["text"], None), ("text", "hello"), ("text", {"body": 5})])
def test_meta_type_and_text_of_the_wrong_shape_are_stored_as_other(meta_app, tipo, texto):
    from ..test_bot_meta_send import AMOSTRA, postar_meta

    corpo = json.loads(json.dumps(AMOSTRA))
    mensagem = corpo["entry"][0]["changes"][0]["value"]["messages"][0]
    mensagem["type"], mensagem["text"] = tipo, texto
    resposta = postar_meta(meta_app.test_client(), corpo)
    assert resposta.status_code == 200
    [guardada] = entradas()
    assert guardada.tipo is TipoMensagem.OUTRO and guardada.texto is None


def test_nul_and_lone_surrogates_are_cleaned_and_stored_never_503(whatsapp, alfa):
    bruto = json.dumps(whatsapp.evento("nota\u0000 de R$ 10 \ud800 para\udfff fulano"))
    resposta = postar_bruto(whatsapp.client, "/webhook/evolution", bruto, **{"X-Webhook-Token": WEBHOOK_TOKEN})
    assert resposta.status_code == 200 and resposta.get_json() == {"status": "queued"}
    [mensagem] = entradas()
    assert "\x00" not in mensagem.texto and mensagem.texto.startswith("nota de R$ 10 ")
    mensagem.texto.encode("utf-8")  # storable and sendable anywhere


@pytest.mark.parametrize(
    "mudar,campo",
    [
        (lambda e: e["data"]["key"].update(id="A" * 129), "id"),
        (lambda e: e.update(instance="i" * 101), "instance"),
        (lambda e: e.update(instance="../../instance/logout/vitima"), "instance"),
        (lambda e: e.update(instance="a/b"), "instance"),
        (lambda e: e.update(instance="x?y=1"), "instance"),
        (lambda e: e.update(instance=["a"]), "instance"),
    ],
)
def test_overlong_ids_and_unsafe_instance_names_are_400_and_never_reach_evolution(
    whatsapp, alfa, evolution, mudar, campo
):
    evento = whatsapp.evento("ajuda")
    mudar(evento)
    resposta = whatsapp.postar(evento)
    assert resposta.status_code == 400 and campo in resposta.get_json()["error"]
    assert contar() == 0 and evolution.requests == []


def test_a_stored_unsafe_instance_never_builds_an_outbound_path(bot, alfa, evolution):
    from tasks.entrega import entregar

    sessao = factories.sessao(db.session, empresa_id=alfa.id)
    resposta = Mensagem(
        sessao=sessao, direcao=Direcao.SAIDA, texto="olá", provider=Provider.EVOLUTION,
        instance="../../instance/logout/vitima", envio=Envio.PENDENTE,
    )  # fmt: skip
    db.session.add(resposta)
    db.session.commit()
    assert entregar(resposta.id) is None
    db.session.expire_all()
    assert resposta.envio is Envio.FALHOU and evolution.requests == []


def test_bodies_over_max_body_kb_are_413_in_json_and_nothing_is_stored(make_app, evolution, alfa):
    app = make_app(**bot_settings(evolution, MAX_BODY_KB=1))
    with app.app_context():
        client = app.test_client()
        texto = "x" * 2000
        evento = {"event": "messages.upsert", "instance": "i", "data": {"key": {"id": "1", "remoteJid": "1@s"}}}
        evento["data"]["message"] = {"conversation": texto}
        resposta = client.post("/webhook/evolution", json=evento, headers={"X-Webhook-Token": WEBHOOK_TOKEN})
        assert resposta.status_code == 413 and "1 KB" in resposta.get_json()["error"]
        envio = client.post(
            "/send/",
            json={"telefone": "5511987654321", "mensagem": texto},
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        )
        assert envio.status_code == 413
        assert contar() == 0


def test_the_csv_import_may_be_larger_than_max_body_kb(make_app, evolution, firmas):
    from ..conftest import Auth

    app = make_app(MAX_BODY_KB=1)
    with app.app_context():
        auth = Auth(app.test_client())
        auth.login("admin@a.com")
        csrf = auth.csrf("/admin/importar/")
        linhas = "contabilidade,cnpj\n" + "Firma A,x\n" * 300
        import io

        resposta = auth.client.post(
            "/admin/importar/",
            data={"csrf_token": csrf, "arquivo": (io.BytesIO(linhas.encode()), "empresas.csv")},
            content_type="multipart/form-data",
        )
        assert resposta.status_code == 200 and len(linhas) > 1024
        assert "cabeçalho" in resposta.get_data(as_text=True).lower()


def test_a_long_text_is_cut_when_stored(whatsapp, alfa):
    resposta = whatsapp.postar(whatsapp.evento("a" * 10_000))
    assert resposta.status_code == 200
    [mensagem] = entradas()
    assert len(mensagem.texto) == TEXTO_MAXIMO


def test_the_llm_never_gets_more_than_the_stored_length_nor_returns_more_than_a_note_holds(openai_fake):
    openai_fake.campos = {
        "documento": None, "nome_tomador": "N" * 50_000, "valor": None, "descricao": "d" * 50_000, "intencao": "emitir",
    }  # fmt: skip
    extrator = ExtratorLLM("sk-test", openai_fake.url + "/v1", "gpt-4o-mini", timeout=5)
    chamada = extrator.extrair("b" * 50_000, {})
    [pedido] = [r for r in openai_fake.requests if r["path"].endswith("/chat/completions")]
    usuario = pedido["json"]["messages"][-1]["content"]
    assert usuario.count("b") == TEXTO_MAXIMO
    assert len(chamada.campos.nome_tomador) <= 2000 and len(chamada.campos.descricao) <= 2000


VIEWS = ("empresas", "telefones", "certificados", "tomadores_empresa", "tomadores", "notas", "notas_paradas",
         "sessoes", "usuarios")  # fmt: skip
VALORES_RUINS = ("abc", "99999999999999999999999", "-1", "2026-13-45", "x" * 3000)


@pytest.mark.parametrize("quem", ["root@op.com", "admin@a.com"])
def test_bad_filter_values_pages_and_ids_get_a_portuguese_4xx_in_every_view(firmas, auth, quem):
    """Unknown enum names, impossible dates and numbers beyond a BIGINT in filters, pages and ids: 400 or 404 in
    Portuguese, never a server error (the test client re-raises any exception a view lets escape)."""
    auth.login(quem)
    client = auth.client
    vistos = set()
    for view in VIEWS:
        for indice in range(12):
            for valor in VALORES_RUINS:
                resposta = client.get(f"/admin/{view}/", query_string={f"flt0_{indice}": valor})
                assert resposta.status_code in (200, 400, 403), (view, indice, valor)
                vistos.add(resposta.status_code)
        for pedido in ({"page": "99999999999999999999"}, {"page": "-5"}, {"sort": "999"}, {"search": "\x00"}):
            assert client.get(f"/admin/{view}/", query_string=pedido).status_code in (200, 400, 403), (view, pedido)
        for ident in ("99999999999999999999999", "-1", "abc", "0"):
            for acao in ("details", "edit"):
                resposta = client.get(f"/admin/{view}/{acao}/", query_string={"id": ident})
                assert resposta.status_code in (302, 403, 404), (view, acao, ident)
    assert 400 in vistos
    pagina = client.get("/admin/notas/", query_string={"flt0_0": "abc"})
    texto = pagina.get_data(as_text=True)
    assert pagina.status_code == 400 and "Filtro com valor inválido" in texto and "Bad Request" not in texto
    nenhuma = client.get("/admin/notas/details/", query_string={"id": "99999999999999999999999"})
    assert nenhuma.status_code == 404 and "Página não encontrada" in nenhuma.get_data(as_text=True)
