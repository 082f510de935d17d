"""The month-end package (fechamento): for each empresa and competência, one ZIP with the XML and PDF of every
note authorized in that month and `notas.csv`, the spreadsheet an accountant opens in Excel pt-BR. Built by the
CLI `fechamento` and by the admin's background task; what the gateway cannot hand over is listed in the ZIP as
missing, never silently left out."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from agentnfe import planilha, rotulos
from agentnfe.cadastros.tomadores import retrato
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db

from ..fiscal import formatar_documento
from ..models import Empresa, NFSe, StatusNFSe
from . import links, pdfs
from .gateways import GatewayIndisponivel, GatewayRecusou, gateway_da_nota

log = logging.getLogger(__name__)

AUTORIZADAS = (StatusNFSe.CONCLUIDA, StatusNFSe.CANCELADA)
"""Notes the city authorized; a cancelled one stays in the month's books with its status."""
CABECALHO = (
    "numero", "data_emissao", "competencia", "tomador_documento", "tomador_nome", "valor", "aliquota_iss",
    "valor_iss", "iss_retido", "situacao", "codigo_verificacao", "descricao",
)  # fmt: skip
"""docs/arquitetura.md §7's header of notas.csv."""


@dataclass(frozen=True)
class Pacote:
    empresa: str
    arquivo: Path
    notas: int
    faltando: int


def notas_do_mes(empresa_id: int, mes: date) -> list[NFSe]:
    return list(
        db.session.scalars(
            sa.select(NFSe)
            .options(joinedload(NFSe.tomador))
            .where(NFSe.empresa_id == empresa_id, NFSe.competencia == mes, NFSe.status.in_(AUTORIZADAS))
            .order_by(NFSe.emitida_em, NFSe.id)
        )
    )


def linha(nota: NFSe) -> list[str]:
    """One row of notas.csv, written as Excel pt-BR reads it."""
    dados = nota.tomador_dados or (retrato(nota) if nota.tomador is not None else {})  # as the note went out
    # what the national system computed on the NFS-e, when it says (apuracao.py); else the rate the note went with
    aliquota = nota.aliquota_aplicada if nota.aliquota_aplicada is not None else nota.aliquota_iss or Decimal(0)
    iss = nota.valor_iss if nota.valor_iss is not None else (nota.valor * aliquota / 100).quantize(Decimal("0.01"))
    return [
        nota.numero or "",
        rotulos.data(relogio.local(nota.emitida_em).date()) if nota.emitida_em else "",
        rotulos.competencia(nota.competencia),
        formatar_documento(nota.tomador.documento) if nota.tomador else "",
        dados.get("nome") or "",
        planilha.numero(nota.valor, 2),
        rotulos.texto(aliquota),
        planilha.numero(iss, 2),
        rotulos.sim_nao(nota.iss_retido),
        rotulos.rotulo(nota.status),
        nota.codigo_verificacao or "",
        nota.descricao or "",
    ]


def _nome_de_arquivo(nome: str) -> str:
    """A note's number as the name of its files in the ZIP: what the gateway sent, kept to letters, digits, '-'
    and '_' (a number with '/' or '..' would name a path elsewhere when the package is unpacked)."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", nome)[:60] or "nota"


def gerar(empresa_id: int, mes: date, destino: Path, progresso: Callable[[], None] | None = None) -> Pacote:
    """Write the empresa's ZIP for `mes` into `destino`; gateway calls happen outside any transaction."""
    empresa = db.session.get(Empresa, empresa_id)
    notas = notas_do_mes(empresa_id, mes)
    linhas = [linha(nota) for nota in notas]
    gateways: dict = {}  # one per gateway the month's notes went to (the national one reads the A1 to bind)
    alvos = []
    for nota in notas:
        if nota.gateway not in gateways:
            gateways[nota.gateway] = gateway_da_nota(nota)
        nome = _nome_de_arquivo(nota.numero or nota.id_integracao)
        alvos.append((nota.id, nome, nota.gateway_id, nota.id_integracao, gateways[nota.gateway]))
    nome_empresa, cnpj = empresa.razao_social, empresa.cnpj
    db.session.rollback()
    destino.mkdir(parents=True, exist_ok=True)
    arquivo = destino / f"fechamento-{cnpj}-{mes:%Y-%m}.zip"
    faltando = []
    temporario = arquivo.with_suffix(".zip.parcial")
    with zipfile.ZipFile(temporario, "w", compression=zipfile.ZIP_DEFLATED) as pacote:
        pacote.writestr("notas.csv", "".join(planilha.linhas_csv(CABECALHO, linhas)).encode("utf-8"))
        for nfse_id, nome, gateway_id, id_integracao, gateway in alvos:
            if pdfs.guardar(nfse_id):
                pacote.write(links.caminho_pdf(id_integracao), f"pdf/{nome}.pdf")
            else:
                faltando.append(f"{nome}: PDF ainda não disponível no gateway")
            try:
                pacote.writestr(f"xml/{nome}.xml", gateway.xml(gateway_id))
            except (GatewayIndisponivel, GatewayRecusou) as erro:
                log.warning("XML of note %s not fetched for the month-end package: %s", id_integracao, erro)
                faltando.append(f"{nome}: XML não entregue pelo gateway ({erro})")
            if progresso:
                progresso()
        if faltando:
            pacote.writestr("faltando.txt", "\n".join(["Arquivos que o gateway não entregou:", *faltando]) + "\n")
    temporario.replace(arquivo)
    return Pacote(nome_empresa, arquivo, len(notas), len(faltando))


def empresas_de(contabilidade_id: int | None, cnpj: str | None) -> list[int]:
    """The empresas a package covers: one by CNPJ, or every active empresa of a firm."""
    consulta = sa.select(Empresa.id).order_by(Empresa.razao_social)
    if cnpj is not None:
        consulta = consulta.where(Empresa.cnpj == cnpj)
    if contabilidade_id is not None:
        consulta = consulta.where(Empresa.contabilidade_id == contabilidade_id)
    if cnpj is None:
        consulta = consulta.where(Empresa.ativa)
    return list(db.session.scalars(consulta))


def total_de_notas(empresa_ids: list[int], mes: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(NFSe.id)).where(
            NFSe.empresa_id.in_(empresa_ids), NFSe.competencia == mes, NFSe.status.in_(AUTORIZADAS)
        )
    ) if empresa_ids else 0  # fmt: skip
