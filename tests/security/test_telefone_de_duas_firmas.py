"""One phone authorized by empresas of two firms: a note's announcement is stored in that note's own conversation
(its empresa's), a certificate notice in its empresa's, and `cancelar nota N` reaches only notes of the empresa
the conversation is about — firm B never reads, nor cancels, firm A's note."""

from datetime import timedelta

import sqlalchemy as sa

from agentnfe.conversation.engine import avisar_telefones
from agentnfe.emission import certificados, certificados_aviso
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.models import Mensagem, NFSe, Sessao, StatusNFSe

from .. import factories
from ..certs import gerar_pfx
from ..conftest import TELEFONE, run_scheduled

TOMADOR = "12.345.678/0001-95"


def duas_firmas():
    empresas = {}
    for sufixo in "AB":
        firma = factories.contabilidade(db.session, f"Firma {sufixo}")
        empresas[sufixo] = factories.empresa(db.session, firma, razao_social=f"Empresa {sufixo} Ltda")
        factories.telefone(db.session, empresas[sufixo], TELEFONE)
    db.session.commit()
    return empresas


def pedir_nota_da_empresa(whatsapp, empresa: str, valor: str) -> None:
    assert "mais de uma empresa" in whatsapp.enviar(f"nota de {valor} para {TOMADOR} consultoria")
    assert f"Prestador: Empresa {empresa} Ltda" in whatsapp.enviar(f"Empresa {empresa}")


def mensagens_da_sessao(sessao_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(Mensagem.texto).where(Mensagem.sessao_id == sessao_id)))


def test_the_announcement_goes_into_the_notes_own_conversation_not_the_other_firms(whatsapp):
    empresas = duas_firmas()
    pedir_nota_da_empresa(whatsapp, "A", "1500")
    whatsapp.enviar("sim")
    db.session.expire_all()
    nota = db.session.scalar(sa.select(NFSe))
    assert nota.empresa_id == empresas["A"].id and nota.status is not StatusNFSe.CONCLUIDA
    whatsapp.enviar("nova nota")  # meanwhile the owner turns to firm B's empresa
    pedir_nota_da_empresa(whatsapp, "B", "200")
    db.session.expire_all()
    aberta_b = db.session.scalar(sa.select(Sessao).where(Sessao.empresa_id == empresas["B"].id))
    run_scheduled()  # the note of empresa A is authorized and announced now
    db.session.expire_all()
    nota = db.session.get(NFSe, nota.id)
    assert nota.status is StatusNFSe.CONCLUIDA
    anuncio = db.session.scalar(sa.select(Mensagem).where(Mensagem.nfse_id == nota.id))
    assert anuncio.sessao_id == nota.sessao_id  # firm A's conversation
    assert not any(nota.numero in (texto or "") for texto in mensagens_da_sessao(aberta_b.id))
    assert any(nota.codigo_verificacao in texto for texto in whatsapp.respostas() if nota.codigo_verificacao)


def test_cancelar_nota_in_a_conversation_reaches_only_that_empresas_notes(whatsapp):
    empresas = duas_firmas()
    nota_a = factories.nota(db.session, empresas["A"], status=StatusNFSe.CONCLUIDA, numero="321")
    db.session.commit()
    pedir_nota_da_empresa(whatsapp, "B", "200")  # the conversation is now about firm B's empresa
    resposta = whatsapp.enviar("cancelar nota 321")
    assert "Não encontrei uma nota autorizada com o número 321" in resposta
    whatsapp.enviar("1")  # what would have been the reason code
    db.session.expire_all()
    assert db.session.get(NFSe, nota_a.id).status is StatusNFSe.CONCLUIDA
    assert "Empresa A" not in " ".join(whatsapp.respostas()[-2:])


def test_a_number_in_both_firms_is_never_picked_for_a_conversation_about_neither(whatsapp):
    empresas = duas_firmas()
    for sufixo in "AB":
        factories.nota(db.session, empresas[sufixo], status=StatusNFSe.CONCLUIDA, numero="55")
    db.session.commit()
    resposta = whatsapp.enviar("cancelar nota 55")
    assert "mais de uma das suas empresas" in resposta and "Empresa A Ltda" in resposta


def test_a_certificate_notice_goes_into_its_empresas_conversation(whatsapp):
    empresas = duas_firmas()
    hoje = relogio.hoje()
    certificados.adicionar(db.session, empresas["A"], gerar_pfx(empresas["A"].cnpj, dias=10), "senha-do-cert", hoje)
    db.session.commit()
    pedir_nota_da_empresa(whatsapp, "B", "200")  # firm B's conversation is the open one
    db.session.expire_all()
    aberta_b = db.session.scalar(sa.select(Sessao).where(Sessao.empresa_id == empresas["B"].id))
    [aviso_id] = avisar_telefones(certificados_aviso.avisar_vencimentos(hoje + timedelta(days=1)))
    aviso = db.session.get(Mensagem, aviso_id)
    assert "Empresa A Ltda" in aviso.texto
    assert aviso.sessao_id != aberta_b.id and db.session.get(Sessao, aviso.sessao_id).empresa_id == empresas["A"].id
    assert db.session.scalar(sa.select(Sessao).where(Sessao.id == aberta_b.id)).aberta  # B's draft goes on
