"""Tomadores: the one writer of the shared registry (cliente_tomador) and of each empresa's link to it
(empresa_cliente_tomador) — docs/arquitetura.md §8 — and the snapshot a note is sent with.

The registry (ClienteTomador) holds what the Receita says of a CNPJ; the empresa's link
(EmpresaClienteTomador) holds the name a firm or its client gave, the e-mail the note goes to, an address
and the ISS override. A note is sent with a snapshot of both, kept on the note.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao
from agentnfe.integrations import brasilapi
from agentnfe.models import ClienteTomador, EmpresaClienteTomador, FonteTomador, NFSe, TipoDocumento

log = logging.getLogger(__name__)
ENDERECO = ("logradouro", "numero", "complemento", "bairro", "cep", "codigo_municipio", "uf")


def completar(tomador_id: int, forcar: bool = False) -> bool:
    """Fill a CNPJ tomador never looked up (or again, `forcar`); False when BrasilAPI could not answer.

    Ends the caller's read-only transaction before the lookup and writes the registry row after it.
    """
    linha = db.session.execute(
        sa.select(ClienteTomador.documento, ClienteTomador.tipo_documento, ClienteTomador.fonte).where(
            ClienteTomador.id == tomador_id
        )
    ).first()
    if linha is None or linha.tipo_documento is TipoDocumento.CPF:
        return True
    if linha.fonte is FonteTomador.BRASILAPI and not forcar:
        return True
    sem_transacao()  # no transaction stays open during the HTTP call
    try:
        dados = brasilapi.consultar_cnpj(linha.documento, usar_cache=not forcar)
    except brasilapi.ConsultaFalhou as erro:
        log.warning("tomador %s kept as given: %s", linha.documento, erro)
        return False
    with transacao():
        tomador = db.session.get(ClienteTomador, tomador_id)
        for campo in (
            "razao_social", "nome_fantasia", "email", "logradouro", "numero", "complemento", "bairro", "cep",
            "municipio", "uf", "situacao_cadastral",
        ):  # fmt: skip
            valor = getattr(dados, campo)
            if valor:
                setattr(tomador, campo, valor)
        if dados.codigo_municipio_ibge:
            tomador.codigo_municipio = dados.codigo_municipio_ibge
        tomador.fonte = FonteTomador.BRASILAPI
    return True


def vincular(
    empresa_id: int,
    documento: str,
    tipo: TipoDocumento,
    fonte: FonteTomador,
    nome: str | None = None,
    endereco: dict | None = None,
) -> tuple[ClienteTomador, EmpresaClienteTomador]:
    """The registry entry of `documento` (added when new, with where it came from) and the empresa's link to it
    (added when missing). A name given here is kept on the link, never in the shared registry; an address given
    replaces the link's."""
    tomador = db.session.scalar(sa.select(ClienteTomador).where(ClienteTomador.documento == documento))
    if tomador is None:
        tomador = ClienteTomador(documento=documento, tipo_documento=tipo, fonte=fonte)
        db.session.add(tomador)
    ligado = vinculo(empresa_id, tomador.id) if tomador.id is not None else None
    if ligado is None:
        ligado = EmpresaClienteTomador(empresa_id=empresa_id, tomador=tomador)
        db.session.add(ligado)
    if nome and ligado.nome != nome:
        ligado.nome = nome
    if endereco:
        for campo in ("logradouro", "numero", "bairro", "cep", "codigo_municipio", "uf"):
            setattr(ligado, campo, endereco.get(campo))
        ligado.complemento = None
    return tomador, ligado


def alterar_vinculo(ligado: EmpresaClienteTomador, valores: dict) -> None:
    """What the firm says about a tomador of one of its empresas (the admin's form, already validated)."""
    for campo, valor in valores.items():
        setattr(ligado, campo, valor)


def vinculo(empresa_id: int, tomador_id: int) -> EmpresaClienteTomador | None:
    return db.session.scalar(
        sa.select(EmpresaClienteTomador).where(
            EmpresaClienteTomador.empresa_id == empresa_id, EmpresaClienteTomador.tomador_id == tomador_id
        )
    )


def retrato(nota: NFSe) -> dict:
    """The tomador as the note goes out: the registry's name, else the name given with this note (kept on it when it
    was created: the firm's link holds only the latest one), else the link's; the link's e-mail and address first."""
    registro = nota.tomador
    ligado = vinculo(nota.empresa_id, registro.id)
    origem = ligado if ligado is not None and ligado.logradouro else registro
    endereco = {campo: getattr(origem, campo) for campo in ENDERECO}
    endereco["municipio"] = registro.municipio if origem is registro else None
    return {
        "documento": registro.documento,
        "tipo": registro.tipo_documento.value,
        "nome": registro.razao_social or (nota.tomador_dados or {}).get("nome") or (ligado.nome if ligado else None),
        "email": ligado.email if ligado else None,
        "endereco": {campo: valor for campo, valor in endereco.items() if valor},
    }
