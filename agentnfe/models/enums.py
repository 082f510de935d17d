"""The closed vocabularies of the domain, stored as their string values."""

from enum import StrEnum


class Papel(StrEnum):
    ADMIN = "admin"
    CONTADOR = "contador"
    SUPORTE = "suporte"


class Regime(StrEnum):
    SIMPLES_NACIONAL = "simples_nacional"
    LUCRO_PRESUMIDO = "lucro_presumido"
    LUCRO_REAL = "lucro_real"
    MEI = "mei"


class FonteTomador(StrEnum):
    BRASILAPI = "brasilapi"
    MANUAL = "manual"
    WHATSAPP = "whatsapp"


class TipoDocumento(StrEnum):
    CPF = "cpf"
    CNPJ = "cnpj"


class Provider(StrEnum):
    EVOLUTION = "evolution"
    META = "meta"
    API = "api"


class Estado(StrEnum):
    """Conversation states (contract, DESIGN.md §4)."""

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
    """Note lifecycle (DESIGN.md §2 status table)."""

    PENDENTE = "pendente"
    ENVIADA = "enviada"
    PROCESSANDO = "processando"
    CONCLUIDA = "concluida"
    REJEITADA = "rejeitada"
    ERRO = "erro"
    ATENCAO = "atencao"
    CANCELADA = "cancelada"


class AcaoTentativa(StrEnum):
    EMITIR = "emitir"
    CONSULTAR = "consultar"
    REEMITIR = "reemitir"
    CANCELAR = "cancelar"
