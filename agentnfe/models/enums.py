"""The closed vocabularies of the domain, stored as their string values."""

from enum import StrEnum

from ..fiscal.tipos import Regime, RegimeEspecial, TipoDocumento  # noqa: F401  (fiscal vocabularies the models store)


class Papel(StrEnum):
    ADMIN = "admin"
    CONTADOR = "contador"
    SUPORTE = "suporte"


class Ambiente(StrEnum):
    HOMOLOGACAO = "homologacao"
    PRODUCAO = "producao"


class NomeGateway(StrEnum):
    """Where an empresa's notes go: the development mock, PlugNotas, or the national NFS-e API (Sefin Nacional)."""

    MOCK = "mock"
    PLUGNOTAS = "plugnotas"
    NACIONAL = "nacional"


class FonteTomador(StrEnum):
    BRASILAPI = "brasilapi"
    MANUAL = "manual"
    WHATSAPP = "whatsapp"


class Provider(StrEnum):
    EVOLUTION = "evolution"
    META = "meta"
    API = "api"
    SIMULADOR = "simulador"
    """The admin's chat simulator: sessions of one admin user, seeing only that user's firm."""

    @property
    def whatsapp(self) -> bool:
        """Whether replies on this channel go out through WhatsApp (api and simulator answer in the request)."""
        return self in (Provider.EVOLUTION, Provider.META)


class Estado(StrEnum):
    """Conversation states (contract, docs/arquitetura.md §4)."""

    COLETA = "COLETA"
    DADOS_INCOMPLETOS = "DADOS_INCOMPLETOS"
    ESCOLHA_EMPRESA = "ESCOLHA_EMPRESA"
    CONFIRMACAO = "CONFIRMACAO"
    EMITINDO = "EMITINDO"
    CONCLUIDA = "CONCLUIDA"
    CANCELADA = "CANCELADA"
    EXPIRADA = "EXPIRADA"


ESTADOS_FINAIS = (Estado.CONCLUIDA, Estado.CANCELADA, Estado.EXPIRADA)


class Direcao(StrEnum):
    ENTRADA = "in"
    SAIDA = "out"


class TipoMensagem(StrEnum):
    TEXTO = "texto"
    AUDIO = "audio"
    IMAGEM = "imagem"
    DOCUMENTO = "documento"
    OUTRO = "outro"


class Envio(StrEnum):
    PENDENTE = "pendente"
    ENVIADA = "enviada"
    FALHOU = "falhou"


class StatusNFSe(StrEnum):
    """Note lifecycle (docs/arquitetura.md §2)."""

    PENDENTE = "pendente"
    ENVIADA = "enviada"
    PROCESSANDO = "processando"
    CONCLUIDA = "concluida"
    REJEITADA = "rejeitada"
    ERRO = "erro"
    ATENCAO = "atencao"
    CANCELADA = "cancelada"


class SituacaoCancelamento(StrEnum):
    """Where a cancellation request stands at the gateway."""

    SOLICITADO = "solicitado"
    ACEITO = "aceito"
    RECUSADO = "recusado"
    SEM_RESPOSTA = "sem_resposta"


class AcaoTentativa(StrEnum):
    EMITIR = "emitir"
    CONSULTAR = "consultar"
    REEMITIR = "reemitir"
    CANCELAR = "cancelar"
