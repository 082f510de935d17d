"""Small builders for test data; each adds to the session and flushes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from agentnfe.fiscal.documents import completar_cnpj
from agentnfe.models import (
    Contabilidade,
    Empresa,
    Estado,
    NFSe,
    Provider,
    Regime,
    ServicoEmpresa,
    Sessao,
    UsuarioEmpresa,
)

_counter = itertools.count(1)


def novo_cnpj() -> str:
    return completar_cnpj(f"{40_000_000 + next(_counter):08d}0001")


def contabilidade(session, nome: str | None = None) -> Contabilidade:
    firma = Contabilidade(nome=nome or f"Contabilidade {next(_counter)}")
    session.add(firma)
    session.flush()
    return firma


def empresa(session, firma: Contabilidade | None = None, **campos) -> Empresa:
    valores = dict(
        contabilidade=firma or contabilidade(session),
        cnpj=novo_cnpj(),
        razao_social="Alfa Consultoria Ltda",
        inscricao_municipal="1234567",
        codigo_municipio="3550308",
        uf="SP",
        logradouro="Rua das Flores",
        numero="100",
        bairro="Centro",
        cep="01001000",
        regime=Regime.SIMPLES_NACIONAL,
        aliquota_simples_iss=Decimal("2.0100"),
        aliquota_simples_total=Decimal("6.0000"),
    )
    valores.update(campos)
    if valores["regime"] is not Regime.SIMPLES_NACIONAL:
        valores.pop("aliquota_simples_iss")
        valores.pop("aliquota_simples_total")
    registro = Empresa(**valores)
    aliquota = Decimal(0) if valores["regime"] is Regime.MEI else Decimal("2.0000")
    registro.servicos.append(
        ServicoEmpresa(codigo_servico="17.01", codigo_tributacao_nacional="170101", aliquota_iss=aliquota, padrao=True)
    )
    session.add(registro)
    session.flush()
    return registro


def telefone(session, registro: Empresa, numero: str = "5511987654321") -> UsuarioEmpresa:
    autorizado = UsuarioEmpresa(empresa=registro, telefone=numero)
    session.add(autorizado)
    session.flush()
    return autorizado


def sessao(session, numero: str = "5511987654321", estado: Estado = Estado.COLETA, **campos) -> Sessao:
    registro = Sessao(
        telefone=numero,
        provider=Provider.EVOLUTION,
        instance="principal",
        estado=estado,
        expira_em=datetime.now(UTC) + timedelta(minutes=30),
        **campos,
    )
    session.add(registro)
    session.flush()
    return registro


def nota(session, registro: Empresa, valor: str = "1500.00", **campos) -> NFSe:
    nfse = NFSe(
        empresa=registro,
        contabilidade_id=registro.contabilidade_id,
        valor=Decimal(valor),
        **{
            "descricao": "Consultoria de março",
            "competencia": date(2026, 3, 1),
            "codigo_municipio_prestacao": registro.codigo_municipio,
            **campos,
        },
    )
    session.add(nfse)
    session.flush()
    return nfse
