"""Writing the audit trail (models.Auditoria): one line per act, added to the session of the act itself so the
two commit or roll back together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import rotulos
from .models import Auditoria, User

SISTEMA, LINHA_DE_COMANDO = "sistema", "linha de comando"
ACOES = {
    "criar": "Criar", "editar": "Editar", "excluir": "Excluir", "desativar": "Desativar", "reativar": "Reativar",
    "emitir": "Emitir", "reemitir": "Reemitir", "cancelar": "Cancelar", "certificado": "Certificado",
    "importar": "Importar", "senha": "Senha",
}  # fmt: skip
"""Every act the trail records, with the name the firm reads (and filters by)."""
OBJETOS = {
    "empresa": "Empresa", "telefone": "Telefone", "tomador": "Tomador", "certificado": "Certificado", "nota": "Nota",
    "usuario": "Usuário", "importacao": "Importação",
}  # fmt: skip
SEGREDOS = {"password_hash": "Senha", "senha": "Senha do certificado", "arquivo": "Arquivo do certificado"}
"""Secrets: the trail says they changed, never what they were or became."""
NUNCA = frozenset({"versao_do_login", "criado_em", "atualizado_em", "versao"})
"""Bookkeeping nobody reads as a change."""


def registrar(
    session: Session,
    acao: str,
    objeto: str,
    objeto_id: int | None,
    descricao: str,
    *,
    usuario: User | None = None,
    contabilidade_id: int | None = None,
    mudancas: Mapping[str, list] | None = None,
    origem: str = "admin",
    autor: str | None = None,
) -> None:
    """Add one line: `acao` (one of ACOES) on `objeto` (one of OBJETOS) #`objeto_id`, by `usuario` (or by `autor`,
    who is no back-office user: a WhatsApp phone)."""
    if acao not in ACOES or objeto not in OBJETOS:
        raise ValueError(f"audit trail: unknown act {acao!r} on {objeto!r}; name it in ACOES/OBJETOS")
    if usuario is not None:
        quem = usuario.email
    elif autor is not None:
        quem = autor
    else:
        quem = LINHA_DE_COMANDO if origem == "cli" else SISTEMA
    session.add(
        Auditoria(
            contabilidade_id=contabilidade_id
            if contabilidade_id is not None
            else getattr(usuario, "contabilidade_id", None),
            usuario_id=usuario.id if usuario is not None else None,
            usuario=quem,
            origem=origem,
            acao=acao,
            objeto=objeto,
            objeto_id=objeto_id,
            descricao=descricao[:1000],
            mudancas=dict(mudancas) if mudancas else None,
        )
    )


def mudancas(registro: Any, nomes: Mapping[str, str]) -> dict[str, list[str]]:
    """{label: [before, after]} of the columns of an ORM object changed in this session, as the firm reads
    them; secrets and bookkeeping left out."""
    estado = sa.inspect(registro)
    resultado = {}
    for coluna in estado.mapper.column_attrs:
        if coluna.key in NUNCA:
            continue
        historia = estado.attrs[coluna.key].history
        if not historia.has_changes():
            continue
        antes = historia.deleted[0] if historia.deleted else None
        depois = historia.added[0] if historia.added else None
        nome = nomes.get(coluna.key, coluna.key)
        if coluna.key in SEGREDOS:
            resultado[SEGREDOS[coluna.key]] = ["", "alterada" if historia.deleted else "definida"]
        elif antes == depois:
            continue
        elif coluna.key.endswith("_id") and coluna.key[:-3] in estado.mapper.relationships:
            relacionado = coluna.key[:-3]  # a link to another record reads as that record's name
            alvo = estado.mapper.relationships[relacionado].mapper.class_
            nome_alvo = getattr(registro, relacionado) or (estado.session.get(alvo, depois) if depois else None)
            resultado[nomes.get(relacionado, relacionado)] = [rotulos.texto(antes), rotulos.texto(nome_alvo)]
        else:
            resultado[nome] = [rotulos.texto(antes), rotulos.texto(depois)]
    return resultado


def mudancas_dos_itens(registro: Any, colecoes: Mapping[str, tuple[str, Mapping[str, str]]]) -> dict[str, list[str]]:
    """{label: [before, after]} of the items of `registro`'s collections edited with it (the admin's inline
    forms): `colecoes` maps a relationship to the label of one item and the labels of its columns. An item
    included or removed is one line; an item changed, one line per column."""
    estado = sa.inspect(registro)
    sessao = estado.session
    resultado: dict[str, list[str]] = {}
    for chave, (rotulo, nomes) in colecoes.items():
        historia = estado.attrs[chave].history
        for item in historia.deleted:
            resultado[f"{rotulo} {item}"] = [rotulos.texto(item), "removido"]
        for item in [*historia.unchanged, *historia.added]:
            if item in sessao.deleted:
                resultado[f"{rotulo} {item}"] = [rotulos.texto(item), "removido"]
            elif sa.inspect(item).persistent:
                for nome, (antes, depois) in mudancas(item, nomes).items():
                    resultado[f"{rotulo} {item}: {nome}"] = [antes, depois]
            else:
                resultado[f"{rotulo} {item}"] = ["", "incluído"]
    return resultado
