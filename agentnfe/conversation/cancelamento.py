"""Cancelling an authorized note on WhatsApp: the note, the reason (code, then a short text), the confirmation.

The state lives in the session's `dados` (`cancelando`: the step, plus the note, code and reason collected),
apart from a draft's own questions, which resume afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..fiscal.cancelamento import CODIGOS, MOTIVO_MAXIMO, MOTIVO_MINIMO
from . import respostas
from .regras import Intencao
from .texto import so_palavras

ETAPAS = ("cancelamento_codigo", "cancelamento_motivo", "cancelamento")
_CAMPOS = ("cancelando", "cancelar", "cancelar_numero", "cancelar_codigo", "cancelar_motivo")
_OPCOES = {"1": 1, "2": 2, "3": 9}
_PALAVRAS = ((r"\berro\b|\berrad", 1), (r"nao (?:foi )?prestad|nao realizad|nao fiz|desist", 2), (r"\boutr", 9))


@dataclass
class Passo:
    texto: str | None
    """The reply; None when the message is not about the cancellation (it goes on as a normal message)."""
    cancelar: tuple[int, int, str] | None = None
    """(note id, national code, reason) once the user confirms."""


def iniciar(dados: dict, nota_id: int, numero: str, valor: str, tomador: str) -> str:
    """Start the dialogue for an authorized note: show it and ask for the reason."""
    dados.update(cancelando="cancelamento_codigo", cancelar=nota_id, cancelar_numero=numero)
    return respostas.motivo_cancelamento(numero, valor, tomador)


def _desistir(dados: dict) -> Passo:
    numero = dados.get("cancelar_numero", "")
    for campo in _CAMPOS:
        dados.pop(campo, None)
    return Passo(respostas.cancelamento_desistido(numero))


def _codigo(texto: str) -> int | None:
    palavras = so_palavras(texto)
    numero = re.fullmatch(r"(?:opcao |numero )?([123])", palavras)
    if numero:
        return _OPCOES[numero.group(1)]
    achados = {codigo for padrao, codigo in _PALAVRAS if re.search(padrao, palavras)}
    return achados.pop() if len(achados) == 1 else None


def responder(dados: dict, texto: str, intencao: Intencao | None) -> Passo:
    """Answer a message sent while a cancellation is being set up."""
    etapa = dados.get("cancelando")
    if intencao is Intencao.NOVA:
        for campo in _CAMPOS:
            dados.pop(campo, None)
        return Passo(None)
    if intencao is Intencao.CANCELAR or (intencao is Intencao.NEGAR and etapa != "cancelamento_motivo"):
        return _desistir(dados)
    if etapa == "cancelamento_codigo":
        codigo = _codigo(texto)
        if codigo is None:
            return Passo(respostas.MOTIVO_CANCELAMENTO_INVALIDO)
        dados.update(cancelando="cancelamento_motivo", cancelar_codigo=codigo)
        return Passo(respostas.TEXTO_CANCELAMENTO)
    if etapa == "cancelamento_motivo":
        if so_palavras(texto) in ("nao", "n"):
            return _desistir(dados)
        motivo = " ".join(texto.split())
        if len(motivo) < MOTIVO_MINIMO:
            return Passo(respostas.motivo_curto(MOTIVO_MINIMO))
        if len(motivo) > MOTIVO_MAXIMO:
            return Passo(respostas.motivo_longo(MOTIVO_MAXIMO))
        dados.update(cancelando="cancelamento", cancelar_motivo=motivo)
        codigo = dados["cancelar_codigo"]
        return Passo(respostas.confirmar_cancelamento(dados["cancelar_numero"], CODIGOS[codigo], motivo))
    if intencao is Intencao.CONFIRMAR:
        pedido = (dados["cancelar"], dados["cancelar_codigo"], dados["cancelar_motivo"])
        numero = dados["cancelar_numero"]
        for campo in _CAMPOS:
            dados.pop(campo, None)
        return Passo(respostas.cancelamento_pedido(numero), cancelar=pedido)
    for campo in _CAMPOS:
        dados.pop(campo, None)
    return Passo(None)
