"""SQLAlchemy 2 typed models of the domain (docs/arquitetura.md §2), split by area."""

from . import contagem  # noqa: F401  (counts note status changes at commit)
from .auditoria import Auditoria
from .avisos import Notificacao, SondaEscrita
from .base import Base
from .contas import Contabilidade, User
from .conversas import Mensagem, Sessao
from .empresas import Certificado, Empresa, ServicoEmpresa, UsuarioEmpresa
from .enums import (
    AcaoTentativa,
    Ambiente,
    Direcao,
    Envio,
    Estado,
    FonteTomador,
    NomeGateway,
    Papel,
    Provider,
    Regime,
    RegimeEspecial,
    SituacaoCancelamento,
    StatusNFSe,
    TipoDocumento,
    TipoMensagem,
)
from .notas import NFSe, NFSeTentativa, nova_id_integracao
from .tomadores import ClienteTomador, EmpresaClienteTomador

__all__ = [
    "AcaoTentativa",
    "Auditoria",
    "Ambiente",
    "Base",
    "Certificado",
    "ClienteTomador",
    "Contabilidade",
    "Direcao",
    "Empresa",
    "EmpresaClienteTomador",
    "Envio",
    "Estado",
    "FonteTomador",
    "NomeGateway",
    "Mensagem",
    "NFSe",
    "NFSeTentativa",
    "Notificacao",
    "Papel",
    "Provider",
    "Regime",
    "RegimeEspecial",
    "Sessao",
    "SituacaoCancelamento",
    "ServicoEmpresa",
    "SondaEscrita",
    "StatusNFSe",
    "TipoDocumento",
    "TipoMensagem",
    "User",
    "UsuarioEmpresa",
    "nova_id_integracao",
]
