"""Back-office pages an accountant uses all day: dashboard, lists, forms, actions, simulator, import."""

import csv
import io
import re

import sqlalchemy as sa

from agentnfe.cadastros.importacao import OPTIONAL, REQUIRED
from agentnfe.infra.extensions import db
from agentnfe.models import Certificado, Empresa, NFSe, NFSeTentativa, Sessao, StatusNFSe, UsuarioEmpresa

from . import factories
from .certs import gerar_pfx
from .sql import statements


def selects(recorded):
    return [s for s in recorded if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_dashboard_runs_three_queries_and_is_cached_per_firm(client, auth, firmas):
    factories.nota(db.session, firmas["a"]["empresa"], status=StatusNFSe.REJEITADA)
    db.session.commit()
    auth.login("admin@a.com")
    client.get("/admin/empresas/")  # warm the session's user
    with statements() as frio:
        pagina = client.get("/admin/")
    assert pagina.status_code == 200
    consultas = [s for s in selects(frio) if '"user"' not in s and "FROM user" not in s]
    assert len(consultas) <= 3, consultas
    html = pagina.get_data(as_text=True)
    assert 'data-numero="Precisam de atenção">1<' in html and 'data-numero="Empresas ativas">1<' in html
    with statements() as quente:
        client.get("/admin/")
    assert [s for s in selects(quente) if '"user"' not in s and "FROM user" not in s] == []
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("admin@b.com")
    assert 'data-numero="Precisam de atenção">0<' in client.get("/admin/").get_data(as_text=True)


def test_empresa_form_creates_in_the_users_firm_with_phones_normalized(client, auth, firmas):
    auth.login("contador@a.com")
    token = auth.csrf("/admin/empresas/new/")
    dados = {
        "csrf_token": token, "cnpj": "11.444.777/0001-61", "razao_social": "Nova Empresa Ltda", "inscricao_municipal": "123",
        "codigo_municipio": "3550308", "uf": "SP", "regime": "lucro_presumido", "ativa": "y",
        "telefones-0-telefone": "(11) 98888-7777", "telefones-0-nome": "Dona", "telefones-0-ativo": "y",
    }  # fmt: skip
    resposta = client.post("/admin/empresas/new/", data=dados)
    assert resposta.status_code == 302, resposta.get_data(as_text=True)[:2000]
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert empresa.contabilidade_id == firmas["a"]["firma"].id
    assert [t.telefone for t in empresa.telefones] == ["5511988887777"]
    ruim = client.post("/admin/empresas/new/", data={**dados, "cnpj": "11.444.777/0001-62"})
    assert "é inválido, confira os dígitos" in ruim.get_data(as_text=True)


def test_certificate_upload_form(client, auth, firmas):
    empresa = firmas["a"]["empresa"]
    auth.login("admin@a.com")
    token = auth.csrf("/admin/certificados/new/")

    def enviar(conteudo, senha, empresa_id=empresa.id):
        dados = {
            "csrf_token": token,
            "empresa_id": str(empresa_id),
            "senha": senha,
            "arquivo": (io.BytesIO(conteudo), "a1.pfx"),
        }
        return client.post(
            "/admin/certificados/new/", data=dados, content_type="multipart/form-data", follow_redirects=True
        )

    assert "Senha do certificado incorreta" in enviar(gerar_pfx(empresa.cnpj), "errada").get_data(as_text=True)
    assert "não da empresa" in enviar(gerar_pfx("11444777000161"), "senha-do-cert").get_data(as_text=True)
    ok = enviar(gerar_pfx(empresa.cnpj), "senha-do-cert")
    assert "guardado" in ok.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Certificado.id))) == 1
    lista = client.get("/admin/certificados/").get_data(as_text=True)
    assert "senha-do-cert" not in lista and "badge-success" in lista
    outra = enviar(gerar_pfx(firmas["b"]["empresa"].cnpj), "senha-do-cert", firmas["b"]["empresa"].id)
    assert db.session.scalar(sa.select(sa.func.count(Certificado.id))) == 1 and outra.status_code == 200


def test_note_details_show_the_attempt_history_and_replay_is_queued(client, auth, firmas):
    from agentnfe.models import AcaoTentativa

    nota = factories.nota(
        db.session, firmas["a"]["empresa"], status=StatusNFSe.ERRO, mensagem_erro="gateway indisponível"
    )
    db.session.add(
        NFSeTentativa(
            nfse=nota,
            acao=AcaoTentativa.EMITIR,
            id_integracao=nota.id_integracao,
            resultado="sem resposta: timeout",
            status_resultante=StatusNFSe.ERRO,
        )
    )
    db.session.commit()
    auth.login("suporte@op.com")
    detalhes = client.get(f"/admin/notas/details/?id={nota.id}").get_data(as_text=True)
    assert "Histórico de tentativas" in detalhes and "sem resposta: timeout" in detalhes
    token = auth.csrf("/admin/notas/")
    resposta = client.post(
        "/admin/notas/action/",
        data={"action": "reemitir", "rowid": [str(nota.id)], "csrf_token": token},
        follow_redirects=True,
    )
    assert "1 nota(s) enviada(s) para reprocessamento" in resposta.get_data(as_text=True)
    db.session.expire_all()
    tentativas = db.session.scalars(
        sa.select(NFSeTentativa).where(NFSeTentativa.nfse_id == nota.id).order_by(NFSeTentativa.id)
    ).all()
    assert tentativas[-1].origem == "admin" and tentativas[-1].usuario.email == "suporte@op.com"
    assert "não tem tomador" in tentativas[-1].resultado  # the factory note has none: blocked, with the reason


def test_session_transcript(client, auth, firmas):
    from agentnfe.models import Direcao, Envio, Mensagem, Provider

    sessao = factories.sessao(db.session, "5511900000097", empresa_id=firmas["a"]["empresa"].id)
    db.session.add_all([
        Mensagem(sessao=sessao, direcao=Direcao.ENTRADA, texto="nota de 1500", provider=Provider.EVOLUTION),
        Mensagem(sessao=sessao, direcao=Direcao.SAIDA, texto="Qual o CNPJ?", provider=Provider.EVOLUTION, envio=Envio.ENVIADA, llm_chamado=True, tokens_in=500, tokens_out=40, llm_ms=900),
    ])  # fmt: skip
    db.session.commit()
    auth.login("contador@a.com")
    html = client.get(f"/admin/sessoes/details/?id={sessao.id}").get_data(as_text=True)
    assert html.index("nota de 1500") < html.index("Qual o CNPJ?")
    assert "LLM 500+40 tokens, 900 ms" in html


def test_simulator_talks_to_the_engine(client, auth, firmas):
    auth.login("admin@a.com")
    pagina = client.get("/admin/simulador/")
    assert "5511900000098" not in pagina.get_data(as_text=True)  # firm B's phone
    telefone = db.session.scalar(
        sa.select(UsuarioEmpresa.telefone).where(UsuarioEmpresa.empresa_id == firmas["a"]["empresa"].id)
    )
    token = auth.csrf("/admin/simulador/")
    resposta = client.post(
        "/admin/simulador/enviar",
        json={
            "telefone": telefone,
            "mensagem": "nota de 1500 para a Padaria Sol, CNPJ 12.345.678/0001-95, consultoria",
        },
        headers={"X-CSRFToken": token},
    )
    assert resposta.status_code == 200 and resposta.get_json()["estado"] == "CONFIRMACAO"
    assert "Valor: R$ 1.500,00" in resposta.get_json()["resposta"]
    sem_csrf = client.post("/admin/simulador/enviar", json={"telefone": telefone, "mensagem": "sim"})
    assert sem_csrf.status_code == 400
    assert "Valor: R$ 1.500,00" in client.get(f"/admin/simulador/?telefone={telefone}").get_data(as_text=True)


def importar_pelo_painel(client, token: str, conteudo: bytes, nome: str = "e.csv"):
    """Upload a CSV (the preview) and confirm it; returns (preview, result) responses."""
    previa = client.post(
        "/admin/importar/",
        data={"csrf_token": token, "arquivo": (io.BytesIO(conteudo), nome)},
        content_type="multipart/form-data",
    )
    trabalho = re.search(r'name="trabalho" value="([^"]+)"', previa.get_data(as_text=True)).group(1)
    confirmado = client.post("/admin/importar/", data={"csrf_token": token, "trabalho": trabalho})
    assert confirmado.status_code == 302
    return previa, client.get(confirmado.headers["Location"])


def test_csv_import_from_the_admin_is_confined_to_the_firm(client, auth, firmas):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/importar/")
    csv = (
        "contabilidade,cnpj,razao_social,inscricao_municipal,codigo_municipio,uf,regime,codigo_servico,aliquota_iss,telefones\n"
        "Firma A,11.444.777/0001-61,Importada Ltda,1,3550308,SP,mei,01.07,0,11977776666\n"
        "Firma B,06.990.590/0001-23,Intrusa Ltda,1,3550308,SP,mei,01.07,0,\n"
        "Firma A,43.268.432/0001-91,Errada Ltda,1,3550308,SP,mei,01.07,0,\n"
    )
    previa, resposta = importar_pelo_painel(client, token, csv.encode())
    texto_previa = re.sub(r"<[^>]+>", "", previa.get_data(as_text=True))
    assert "1 empresa(s) serão criadas, 0 atualizadas;" in texto_previa and "2 linha(s) com erro" in texto_previa
    assert "Importada Ltda" in texto_previa  # the first rows, as written
    html = " ".join(re.sub(r"<[^>]+>", "", resposta.get_data(as_text=True)).split())
    assert "1 empresas criadas, 0 atualizadas, 2 linhas com erro." in html
    assert "não é a sua (Firma A)" in html and "é inválido, confira os dígitos" in html
    assert (
        db.session.scalar(sa.select(Empresa.contabilidade_id).where(Empresa.cnpj == "11444777000161"))
        == firmas["a"]["firma"].id
    )
    assert db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == "06990590000123")) is None


def test_the_admin_reads_its_own_labels_as_headers_the_firm_column_may_be_left_out_and_offers_a_template(
    client, auth, firmas
):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/importar/")
    csv = (
        "CNPJ;Razão Social;Inscrição Municipal;Município (IBGE);UF;Regime;Item da LC 116;Alíquota ISS;Telefones;E-mail\n"
        "11.444.777/0001-61;Rotulada Ltda;1;3550308;SP;simples_nacional;01.07;2,5;11977776666;fin@rotulada.com.br\n"
    )
    previa, resposta = importar_pelo_painel(client, token, csv.encode())
    assert "1 empresas criadas" in " ".join(re.sub(r"<[^>]+>", "", resposta.get_data(as_text=True)).split())
    empresa = db.session.scalar(sa.select(Empresa).where(Empresa.cnpj == "11444777000161"))
    assert (empresa.contabilidade_id, empresa.email) == (firmas["a"]["firma"].id, "fin@rotulada.com.br")
    modelo = client.get("/admin/importar/modelo")
    assert modelo.status_code == 200 and modelo.mimetype == "text/csv"
    cabecalho, exemplo = modelo.get_data(as_text=True).lstrip("\ufeff").splitlines()[:2]
    assert cabecalho.split(";") == [*REQUIRED, *OPTIONAL] and "gateway" in cabecalho and "cind_op" in cabecalho
    assert exemplo.startswith("Firma A;11.222.333/0001-81;")
    assert 'href="/admin/importar/modelo"' in client.get("/admin/importar/").get_data(as_text=True)


def test_note_export_is_bounded_csv(client, auth, firmas):
    for valor in ("100.00", "200.00"):
        factories.nota(db.session, firmas["a"]["empresa"], valor=valor)
    db.session.commit()
    auth.login("contador@a.com")
    exportado = client.get("/admin/notas/export/csv/")
    assert exportado.status_code == 200
    assert exportado.mimetype == "text/csv"
    texto = exportado.get_data(as_text=True)
    assert texto.startswith("\ufeff")  # Excel reads the accents right
    linhas = list(csv.reader(io.StringIO(texto[1:]), delimiter=";"))
    cabecalho = [
        "Número",
        "Criada em",
        "Competência",
        "Empresa",
        "Tomador",
        "Documento do tomador",
        "Valor",
        "Situação",
    ]
    assert linhas[0][:8] == cabecalho
    assert sorted(linha[6] for linha in linhas[1:]) == ["100,00", "200,00"]  # a number for Excel pt-BR
    assert {linha[7] for linha in linhas[1:]} == {"Pendente"} and {linha[2] for linha in linhas[1:]} == {"03/2026"}
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", linha[1]) for linha in linhas[1:])
    from admin.views.notas import NotaView

    assert NotaView.export_max_rows == 10_000


def test_support_sees_stuck_notes(client, auth, firmas):
    from datetime import UTC, datetime, timedelta

    parada = factories.nota(db.session, firmas["b"]["empresa"], status=StatusNFSe.PROCESSANDO)
    factories.nota(db.session, firmas["a"]["empresa"], status=StatusNFSe.PROCESSANDO)
    db.session.commit()
    db.session.execute(
        sa.update(NFSe).where(NFSe.id == parada.id).values(atualizado_em=datetime.now(UTC) - timedelta(hours=3))
    )
    db.session.commit()
    auth.login("suporte@op.com")
    html = client.get("/admin/notas_paradas/").get_data(as_text=True)
    assert f"id={parada.id}" in html and html.count("badge-info") == 1
    assert db.session.scalar(sa.select(sa.func.count(Sessao.id))) == 0


def test_xml_download_and_filters_stay_inside_the_firm(client, auth, firmas):
    nota_a = factories.nota(
        db.session, firmas["a"]["empresa"], status=StatusNFSe.CONCLUIDA, gateway_id="mock-a", numero="77"
    )
    nota_b = factories.nota(
        db.session, firmas["b"]["empresa"], status=StatusNFSe.CONCLUIDA, gateway_id="mock-b", numero="88"
    )
    db.session.commit()
    auth.login("contador@a.com")
    xml = client.get(f"/admin/notas/xml/?id={nota_a.id}")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and xml.data.startswith(b"<?xml")
    assert 'filename="NFS-e 77.xml"' in xml.headers["Content-Disposition"]
    assert client.get(f"/admin/notas/xml/?id={nota_b.id}").status_code == 404
    lista = client.get("/admin/notas/").get_data(as_text=True)
    assert "Empresa A Ltda" in lista and "Empresa B Ltda" not in lista  # the empresa filter offers only A's
    filtrada = client.get(f"/admin/notas/?flt0_1={firmas['a']['empresa'].id}")
    assert filtrada.status_code == 200 and f"id={nota_a.id}" in filtrada.get_data(as_text=True)
    detalhes = client.get(f"/admin/notas/details/?id={nota_a.id}").get_data(as_text=True)
    assert "PDF da nota" in detalhes and "XML da nota" in detalhes


CABECALHO_CSV = "contabilidade;cnpj;razao_social;inscricao_municipal;codigo_municipio;uf;regime;codigo_servico;aliquota_iss;telefones\n"


def test_the_preview_stores_nothing_and_reads_excel_files(client, auth, firmas):
    auth.login("admin@a.com")
    token = auth.csrf("/admin/importar/")
    conteudo = (CABECALHO_CSV + "Firma A;11.444.777/0001-61;Serviços Ação Ltda;1;3550308;SP;mei;01.07;0;\n").encode(
        "cp1252"
    )
    previa = client.post(
        "/admin/importar/", data={"csrf_token": token, "arquivo": (io.BytesIO(conteudo), "excel.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    texto = previa.get_data(as_text=True)
    assert "foi lido como Windows-1252" in texto and "Serviços Ação Ltda" in texto
    assert db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == "11444777000161")) is None
    trabalho = re.search(r'name="trabalho" value="([^"]+)"', texto).group(1)
    auth.login("admin@b.com")  # another firm's user cannot confirm or follow it
    outro = auth.csrf("/admin/importar/")
    assert client.post("/admin/importar/", data={"csrf_token": outro, "trabalho": trabalho}).status_code == 404
    assert client.get(f"/admin/importar/{trabalho}/").status_code == 404
    assert db.session.scalar(sa.select(Empresa.id).where(Empresa.cnpj == "11444777000161")) is None


def test_a_large_file_is_imported_by_the_worker_with_progress(client, auth, firmas):
    from agentnfe.cadastros.lotes import LIMITE_NA_HORA
    from agentnfe.fiscal.documents import completar_cnpj

    linhas = [f"Firma A;{completar_cnpj(f'{30000000 + i:08d}0001')};Empresa {i} Ltda;1;3550308;SP;mei;01.07;0;\n"
              for i in range(LIMITE_NA_HORA + 5)]  # fmt: skip
    auth.login("admin@a.com")
    token = auth.csrf("/admin/importar/")
    previa, resultado = importar_pelo_painel(client, token, (CABECALHO_CSV + "".join(linhas)).encode(), "grande.csv")
    assert f"{LIMITE_NA_HORA + 5} empresa(s) serão criadas" in re.sub(r"<[^>]+>", "", previa.get_data(as_text=True))
    texto = " ".join(re.sub(r"<[^>]+>", "", resultado.get_data(as_text=True)).split())
    assert f"{LIMITE_NA_HORA + 5} empresas criadas, 0 atualizadas, 0 linhas com erro." in texto
    total = db.session.scalar(sa.select(sa.func.count(Empresa.id)).where(Empresa.cnpj.like("30%")))
    assert total == LIMITE_NA_HORA + 5


def test_the_llm_cost_reads_as_a_brazilian_writes_numbers(client, auth, firmas):
    auth.login("admin@a.com")
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"custo estimado <strong>US\$ \d{1,3}(\.\d{3})*,\d{2}</strong>", html)


def test_every_page_has_the_products_icon_served_without_another_host(client, auth, firmas):
    icone = client.get("/favicon.ico")
    assert icone.status_code == 200 and icone.mimetype == "image/svg+xml" and b"<svg" in icone.data
    assert 'rel="icon" href="/favicon.svg"' in client.get("/login").get_data(as_text=True)
    auth.login("admin@a.com")
    assert 'rel="icon" href="/favicon.svg"' in client.get("/admin/").get_data(as_text=True)
