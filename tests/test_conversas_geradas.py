"""Whole generated conversations driven through the engine: at least 98 % end in exactly the note they asked
for (or in none when the user gave up)."""

from collections import Counter

import pytest
import sqlalchemy as sa

from agentnfe.conversation.api import conversar
from agentnfe.conversation.texto import so_palavras
from agentnfe.infra.extensions import db
from agentnfe.models import ClienteTomador, Estado, NFSe, Sessao

from . import factories
from .gerador_conversas import gerar

MINIMO = 0.98

pytestmark = pytest.mark.usefixtures("num_instante")


def _nota_de(telefone: str):
    return db.session.execute(
        sa.select(ClienteTomador.documento, NFSe.valor, NFSe.descricao)
        .join(Sessao, NFSe.sessao_id == Sessao.id)
        .join(ClienteTomador, NFSe.tomador_id == ClienteTomador.id)
        .where(Sessao.telefone == telefone)
    ).all()


def test_generated_conversations_end_in_the_note_asked_for(bot):
    empresa = factories.empresa(db.session, razao_social="Alfa Consultoria Ltda", cnpj="11222333000181")
    conversas = gerar()
    telefones = [f"55119{70000000 + i:08d}" for i in range(len(conversas))]
    for telefone in telefones:
        factories.telefone(db.session, empresa, telefone)
    db.session.commit()
    certas, erradas = 0, Counter()
    exemplos = []
    for conversa, telefone in zip(conversas, telefones, strict=True):
        resultados = [conversar(telefone, mensagem) for mensagem in conversa.mensagens]
        respostas = [r.textos for r in resultados]
        notas = _nota_de(telefone)
        if conversa.esperado is None:
            certo = notas == [] and resultados[-1].estado is Estado.CANCELADA
        else:
            documento, valor, descricao = conversa.esperado
            certo = len(notas) == 1 and (notas[0][0], f"{notas[0][1]:.2f}", so_palavras(notas[0][2])) == (
                documento,
                valor,
                so_palavras(descricao),
            )
        if certo:
            certas += 1
        else:
            erradas[conversa.familia] += 1
            exemplos.append((conversa.familia, list(zip(conversa.mensagens, respostas, strict=True)), notas))
    taxa = certas / len(conversas)
    print(f"\ngenerated conversations: {len(conversas)}, ending right {taxa:.1%}; wrong by family {dict(erradas)}")
    for exemplo in exemplos[:5]:
        print("  wrong:", exemplo)
    assert len(conversas) >= 200
    assert taxa >= MINIMO, exemplos[:5]
