"""Demo data at realistic volume (`seed-demo`): bulk inserts, deterministic per firm number."""

from __future__ import annotations

import random
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agentnfe import rotulos
from agentnfe.infra import estatisticas, relogio

from .contas import criar_usuario
from .emission.notas import tributacao
from .fiscal.documents import completar_cnpj, completar_cpf
from .models import (
    AcaoTentativa,
    Ambiente,
    ClienteTomador,
    Contabilidade,
    Direcao,
    Empresa,
    EmpresaClienteTomador,
    Envio,
    Estado,
    FonteTomador,
    Mensagem,
    NFSe,
    NFSeTentativa,
    Papel,
    Provider,
    Regime,
    RegimeEspecial,
    ServicoEmpresa,
    Sessao,
    SituacaoCancelamento,
    StatusNFSe,
    TipoDocumento,
    UsuarioEmpresa,
)

EMPRESAS, TELEFONES, TOMADORES, NOTAS, SESSOES, MENSAGENS_POR_SESSAO = 20, 50, 200, 1000, 500, 20
CIDADES = [("3550308", "SP"), ("3304557", "RJ"), ("3106200", "MG"), ("4106902", "PR"), ("4314902", "RS")]
SERVICOS = [
    ("01.07", "Suporte técnico em informática", "suporte, manutenção, ti"),
    ("17.01", "Consultoria e assessoria", "consultoria, assessoria"),
    ("17.19", "Contabilidade e auditoria", "contabilidade, auditoria"),
    ("08.02", "Treinamento e cursos", "treinamento, curso, aula"),
]
STATUS_MIX = (
    [StatusNFSe.CONCLUIDA] * 70 + [StatusNFSe.PROCESSANDO] * 10 + [StatusNFSe.REJEITADA] * 8 + [StatusNFSe.ERRO] * 5
    + [StatusNFSe.ATENCAO] * 2 + [StatusNFSe.CANCELADA] * 5
)  # fmt: skip
"""Settled notes only: a pending or sent note of the demo would be a lost task, which the first sweeper re-sends."""
DESCRICOES = [
    "Consultoria de {mes}",
    "Suporte técnico mensal",
    "Treinamento da equipe",
    "Assessoria contábil",
    "Manutenção de sistemas",
]
REGIMES = [Regime.SIMPLES_NACIONAL, Regime.SIMPLES_NACIONAL, Regime.LUCRO_PRESUMIDO, Regime.MEI, Regime.LUCRO_REAL]
ESPECIAIS = {Regime.MEI: RegimeEspecial.MEI, Regime.SIMPLES_NACIONAL: RegimeEspecial.ME_EPP_SIMPLES}
RUAS = ["Rua das Flores", "Avenida Paulista", "Rua XV de Novembro", "Avenida Brasil", "Rua da Praia"]
BAIRROS = ["Centro", "Bela Vista", "Jardim América", "Vila Nova", "Santa Cecília"]


@dataclass
class FirmaCriada:
    nome: str
    email: str


def gerar_cnpj(base: int) -> str:
    """A valid CNPJ (matriz 0001) whose first 8 digits are `base`."""
    return completar_cnpj(f"{base:08d}0001")


def gerar_cpf(base: int) -> str:
    return completar_cpf(f"{base:09d}")


def proximo_numero_demo(session: Session) -> int:
    """The next K for `Firma K`, so repeated seeds add firms instead of failing."""
    nomes = session.scalars(sa.select(Contabilidade.nome).where(Contabilidade.nome.like("Firma %")))
    numeros = [int(m[1]) for nome in nomes if (m := re.fullmatch(r"Firma (\d+)", nome))]
    return max(numeros, default=0) + 1


def _bulk(session: Session, model, rows: list[dict], returning: bool = False) -> list[int]:
    """One multi-row INSERT (Core: the ORM's bulk path sent one statement per row), or PostgreSQL's COPY when no
    ids are needed; the new ids, in order, when `returning`."""
    if not rows:
        return []
    tabela = model.__table__
    rows = _uniformes(tabela, rows)
    conexao = session.connection()
    if returning:
        stmt = sa.insert(tabela).returning(tabela.c.id, sort_by_parameter_order=True)
        return list(conexao.execute(stmt, rows).scalars())
    if conexao.dialect.name == "postgresql":
        _copiar(conexao, tabela, rows)
    else:
        conexao.execute(sa.insert(tabela), rows)
    return []


def _uniformes(tabela: sa.Table, rows: list[dict]) -> list[dict]:
    """Every row with the same columns (a multi-row INSERT takes the first row's): what a row leaves out gets the
    column's Python-side default, as a single INSERT would give it, or NULL."""
    nomes = {nome for row in rows for nome in row}
    padroes = {
        coluna.name: coluna.default.arg if coluna.default.is_scalar else coluna.default.arg(None)
        for coluna in tabela.columns
        if coluna.default is not None and not coluna.primary_key
    }
    completar = {nome: padroes.get(nome) for nome in nomes} | {n: v for n, v in padroes.items() if n not in nomes}
    return [{**completar, **row} for row in rows]


def _copiar(conexao: sa.Connection, tabela: sa.Table, rows: list[dict]) -> None:
    """PostgreSQL's COPY: the rows streamed in one command, each value as SQLAlchemy would bind it."""
    colunas = list(rows[0])
    preparar = [tabela.c[nome].type.bind_processor(conexao.dialect) for nome in colunas]
    preparador = conexao.dialect.identifier_preparer
    nomes = ", ".join(preparador.quote(nome) for nome in colunas)
    with conexao.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {preparador.format_table(tabela)} ({nomes}) FROM STDIN") as copia:
            for row in rows:
                copia.write_row([p(row[n]) if p else row[n] for p, n in zip(preparar, colunas, strict=True)])


def seed_firma(session: Session, k: int, password: str, agora: datetime) -> FirmaCriada:
    """Insert one demo firm with its empresas, phones, tomadores, notes and conversations."""
    rng = random.Random(k)
    firma = Contabilidade(nome=f"Firma {k}", cnpj=gerar_cnpj(90_000_000 + k))
    session.add(firma)
    session.flush()
    email = f"admin@firma{k}.demo"
    criar_usuario(session, email, Papel.ADMIN, password, contabilidade=firma.nome)

    empresa_rows = []
    for i in range(EMPRESAS):
        codigo, uf = CIDADES[i % len(CIDADES)]
        empresa_rows.append(
            dict(
                contabilidade_id=firma.id, cnpj=gerar_cnpj(10_000_000 + k * 100 + i),
                razao_social=f"Empresa {k}-{i + 1} Serviços Ltda", nome_fantasia=f"Empresa {k}-{i + 1}",
                inscricao_municipal=f"{rng.randrange(10**7, 10**8)}", codigo_municipio=codigo, uf=uf,
                logradouro=RUAS[i % len(RUAS)], numero=str(rng.randrange(1, 3000)),
                complemento=f"Sala {rng.randrange(1, 40)}" if i % 3 == 0 else None, bairro=BAIRROS[i % len(BAIRROS)],
                cep=f"{rng.randrange(10**7, 10**8)}", email=f"financeiro@empresa{k}-{i + 1}.demo",
                telefone=f"11{rng.randrange(3000_0000, 3999_9999)}", regime=REGIMES[i % len(REGIMES)],
                regime_especial=ESPECIAIS.get(REGIMES[i % len(REGIMES)], RegimeEspecial.NENHUM), incentivo_fiscal=False,
                aliquota_simples_iss=Decimal(rng.randrange(201, 538)) / 100 if REGIMES[i % len(REGIMES)] is Regime.SIMPLES_NACIONAL else None,
                aliquota_simples_total=Decimal(rng.randrange(600, 1950)) / 100 if REGIMES[i % len(REGIMES)] is Regime.SIMPLES_NACIONAL else None,
                ambiente=Ambiente.HOMOLOGACAO, serie_rps="1", numero_rps=rng.randrange(1, 500),
                ativa=i != EMPRESAS - 1, criado_em=agora, atualizado_em=agora,
            )
        )  # fmt: skip
    empresa_ids = _bulk(session, Empresa, empresa_rows, returning=True)

    servico_rows = []
    for i, empresa_id in enumerate(empresa_ids):
        mei = empresa_rows[i]["regime"] is Regime.MEI
        for j in range(1 + i % 2):
            codigo, descricao, chaves = SERVICOS[(i + j) % len(SERVICOS)]
            servico_rows.append(
                dict(
                    empresa_id=empresa_id, codigo_servico=codigo, codigo_tributacao_nacional=codigo.replace(".", "") + "01",
                    descricao=descricao, palavras_chave=chaves, aliquota_iss=Decimal(0) if mei else Decimal(2 + (i + j) % 4),
                    iss_retido=False, nbs="115013000" if i % 4 == 0 else None, cst_ibscbs="000" if i % 4 == 0 else None,
                    cclass_trib="000001" if i % 4 == 0 else None, padrao=j == 0, criado_em=agora, atualizado_em=agora,
                )
            )  # fmt: skip
    servico_ids = _bulk(session, ServicoEmpresa, servico_rows, returning=True)
    servico_padrao = {
        row["empresa_id"]: (sid, row["aliquota_iss"])
        for row, sid in zip(servico_rows, servico_ids, strict=True)
        if row["padrao"]
    }

    telefones = [f"55119{k:04d}{j:04d}" for j in range(TELEFONES)]
    phone_rows = [
        dict(empresa_id=empresa_ids[j % EMPRESAS], telefone=tel, nome=f"Sócio {j + 1}", ativo=True, criado_em=agora, atualizado_em=agora)
        for j, tel in enumerate(telefones)
    ] + [
        dict(empresa_id=empresa_ids[(j + 1) % EMPRESAS], telefone=tel, nome=f"Sócio {j + 1}", ativo=True, criado_em=agora, atualizado_em=agora)
        for j, tel in enumerate(telefones[:5])
    ]  # fmt: skip
    _bulk(session, UsuarioEmpresa, phone_rows)

    tomador_rows = []
    for t in range(TOMADORES):
        cpf = t % 10 == 9
        tomador_rows.append(
            dict(
                documento=gerar_cpf(300_000_000 + k * 1000 + t) if cpf else gerar_cnpj(20_000_000 + k * 1000 + t),
                tipo_documento=TipoDocumento.CPF if cpf else TipoDocumento.CNPJ,
                razao_social=None if cpf else f"Cliente {k}-{t + 1} Comércio Ltda",
                logradouro=None if cpf else RUAS[t % len(RUAS)], numero=None if cpf else str(t + 10),
                bairro=None if cpf else BAIRROS[t % len(BAIRROS)], cep=None if cpf else f"{rng.randrange(10**7, 10**8)}",
                codigo_municipio=CIDADES[t % len(CIDADES)][0], uf=CIDADES[t % len(CIDADES)][1],
                situacao_cadastral=None if cpf else "ATIVA", fonte=FonteTomador.MANUAL if cpf else FonteTomador.BRASILAPI,
                criado_em=agora, atualizado_em=agora,
            )
        )  # fmt: skip
    tomador_ids = _bulk(session, ClienteTomador, tomador_rows, returning=True)
    _bulk(
        session,
        EmpresaClienteTomador,
        [
            dict(
                empresa_id=empresa_ids[t % EMPRESAS],
                tomador_id=tid,
                criado_em=agora,
                atualizado_em=agora,
                nome=f"Cliente {k}-{t + 1}" if row["tipo_documento"] is TipoDocumento.CPF else None,
                email=f"financeiro@cliente{k}-{t + 1}.demo",
                **(
                    {
                        "logradouro": RUAS[t % len(RUAS)],
                        "numero": str(t + 1),
                        "bairro": BAIRROS[t % len(BAIRROS)],
                        "cep": f"{10_000_000 + t * 7:08d}",
                        "codigo_municipio": row["codigo_municipio"],
                        "uf": row["uf"],
                    }
                    if row["tipo_documento"] is TipoDocumento.CPF
                    else {}
                ),
            )  # fmt: skip
            for t, (row, tid) in enumerate(zip(tomador_rows, tomador_ids, strict=True))
        ],
    )

    retratos = [
        {"documento": row["documento"], "tipo": row["tipo_documento"].value, "email": f"financeiro@cliente{k}-{t + 1}.demo",
         "nome": row["razao_social"] or f"Cliente {k}-{t + 1}", "endereco": {}}
        for t, row in enumerate(tomador_rows)
    ]  # fmt: skip
    session.info["perfis_alterados"] = True  # bulk inserts bypass the ORM events that invalidate phone profiles
    sessao_ids = _seed_conversas(session, k, rng, agora, telefones, empresa_ids)
    empresas = list(zip(empresa_rows, empresa_ids, strict=True))
    _seed_notas(
        session,
        firma.id,
        rng,
        agora,
        empresas,
        servico_padrao,
        list(zip(retratos, tomador_ids, strict=True)),
        sessao_ids,
    )
    return FirmaCriada(firma.nome, email)


def _seed_conversas(session, k, rng, agora, telefones, empresa_ids) -> list[int]:
    rows = []
    for s in range(SESSOES):
        telefone_idx = s % TELEFONES
        aberta = s >= SESSOES - 10  # the last session of ten phones is still open
        inicio = agora - timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(0, 600))
        estado = (
            rng.choice([Estado.CONFIRMACAO, Estado.DADOS_INCOMPLETOS])
            if aberta
            else rng.choice([Estado.CONCLUIDA] * 7 + [Estado.CANCELADA, Estado.EXPIRADA, Estado.EXPIRADA])
        )
        if aberta:
            inicio = agora - timedelta(minutes=rng.randrange(1, 20))
        rows.append(
            dict(
                telefone=telefones[telefone_idx], empresa_id=empresa_ids[telefone_idx % EMPRESAS],
                provider=Provider.EVOLUTION, instance="demo", estado=estado,
                dados={"valor": "1500.00", "descricao": "Consultoria"} if aberta else {},
                expira_em=inicio + timedelta(minutes=30), criado_em=inicio, atualizado_em=inicio + timedelta(minutes=5),
            )
        )  # fmt: skip
    sessao_ids = _bulk(session, Sessao, rows, returning=True)
    mensagens = []
    for s, sessao_id in enumerate(sessao_ids):
        inicio = rows[s]["criado_em"]
        for m in range(MENSAGENS_POR_SESSAO):
            entrada = m % 2 == 0
            llm = not entrada and m == 1 and s % 4 == 0
            mensagens.append(
                dict(
                    sessao_id=sessao_id, direcao=Direcao.ENTRADA if entrada else Direcao.SAIDA,
                    texto="nota de R$ 1.500,00 para o CNPJ 12.345.678/0001-95, consultoria" if entrada else "Confira a nota: ...",
                    provider=Provider.EVOLUTION, instance="demo", provider_id=f"DEMO{k}-{sessao_id}-{m}",
                    envio=None if entrada else Envio.ENVIADA, llm_chamado=llm,
                    tokens_in=rng.randrange(300, 700) if llm else None, tokens_out=rng.randrange(40, 120) if llm else None,
                    llm_ms=rng.randrange(600, 2500) if llm else None, criado_em=inicio + timedelta(seconds=20 * m),
                )
            )  # fmt: skip
    _bulk(session, Mensagem, mensagens)
    ultima = (
        sa.select(sa.func.max(Mensagem.id))
        .where(Mensagem.sessao_id == Sessao.id, Mensagem.direcao == Direcao.ENTRADA)
        .scalar_subquery()
    )
    # every demo message was answered: nothing for the engine to pick up when a demo phone writes again
    session.execute(sa.update(Sessao).where(Sessao.id.in_(sessao_ids)).values(ultima_entrada_id=ultima))
    return sessao_ids


def _seed_notas(session, firma_id, rng, agora, empresas, servico_padrao, tomadores, sessao_ids) -> None:
    """`empresas`: (row, id) pairs; `servico_padrao`: empresa id → (service id, rate); `tomadores`: (snapshot, id)."""
    notas = []
    for n in range(NOTAS):
        empresa, empresa_id = empresas[n % EMPRESAS]
        servico_id, aliquota_servico = servico_padrao[empresa_id]
        retrato, tomador_id = tomadores[n % len(tomadores)]
        valor = Decimal(rng.randrange(10_000, 2_000_000)) / 100
        imposto = tributacao(empresa["regime"], aliquota_servico, empresa["aliquota_simples_iss"], n % 7 == 0, valor)
        status = rng.choice(STATUS_MIX)
        criado = agora - timedelta(days=rng.randrange(0, 90), minutes=rng.randrange(0, 1440))
        autorizada = status in (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA)
        notas.append(
            dict(
                contabilidade_id=firma_id, empresa_id=empresa_id, servico_id=servico_id,
                tomador_id=tomador_id, sessao_id=sessao_ids[n % len(sessao_ids)] if n % 2 else None,
                id_integracao=f"agentnfe-{uuid.uuid4().hex}", valor=valor,
                descricao=rng.choice(DESCRICOES).format(mes="março"), competencia=date(criado.year, criado.month, 1),
                codigo_municipio_prestacao=empresa["codigo_municipio"], aliquota_iss=imposto.aliquota,
                iss_retido=imposto.retido, status=status,
                tomador_dados=None if status is StatusNFSe.PENDENTE else retrato,
                gateway_id=None if status is StatusNFSe.PENDENTE else f"gw{uuid.uuid4().hex[:20]}",
                numero=str(1000 + n) if autorizada else None,
                codigo_verificacao=secrets.token_hex(4).upper() if autorizada else None,
                mensagem_erro="Alíquota do ISS inválida para o município" if status is StatusNFSe.REJEITADA
                else "Gateway indisponível (HTTP 503) após 3 tentativas" if status is StatusNFSe.ERRO else None,
                emitida_em=criado + timedelta(minutes=1) if autorizada else None,
                **(
                    {
                        "cancelamento_codigo": 2, "cancelamento_motivo": "Serviço não prestado: o cliente desistiu",
                        "cancelamento_situacao": SituacaoCancelamento.ACEITO,
                        "cancelamento_pedido_em": criado + timedelta(days=1),
                    }
                    if status is StatusNFSe.CANCELADA
                    else {}
                ),
                criado_em=criado, atualizado_em=criado + timedelta(minutes=1),
            )
        )  # fmt: skip
    nota_ids = _bulk(session, NFSe, notas, returning=True)
    _bulk(
        session,
        NFSeTentativa,
        [
            dict(
                nfse_id=nid, acao=AcaoTentativa.EMITIR, id_integracao=row["id_integracao"], resultado=f"demonstração: {rotulos.rotulo(row['status'])}",
                status_resultante=row["status"], criado_em=row["atualizado_em"],
            )
            for row, nid in zip(notas, nota_ids, strict=True)
            if row["status"] is not StatusNFSe.PENDENTE
        ],
    )  # fmt: skip


def seed_demo(
    session: Session, scale: int, password: str, progress: Callable[[FirmaCriada], None] | None = None
) -> list[FirmaCriada]:
    """Create `scale` demo firms, committing after each one."""
    agora = relogio.agora()
    primeira = proximo_numero_demo(session)
    criadas = []
    for k in range(primeira, primeira + scale):
        criada = seed_firma(session, k, password, agora)
        session.commit()
        criadas.append(criada)
        if progress:
            progress(criada)
    estatisticas.atualizar(depois_de_carga=True)
    return criadas
