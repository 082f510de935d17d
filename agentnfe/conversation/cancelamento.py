"""Cancelling an authorized note on WhatsApp: the note, the reason (code, then a short text), the confirmation.

The dialogue lives in the draft's `cancelamento`, apart from the draft's own fields and questions, which resume
afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..fiscal.cancelamento import CODIGOS, MOTIVO_MAXIMO, MOTIVO_MINIMO
from . import respostas
from .intencoes import Intencao
from .rascunho import Cancelamento, EtapaCancelamento, Rascunho
from .texto import so_palavras

_OPCOES = {"1": 1, "2": 2, "3": 9}
_PALAVRAS = ((r"\berro\b|\berrad", 1), (r"nao (?:foi )?prestad|nao realizad|nao fiz|desist", 2), (r"\boutr", 9))


@dataclass
class Passo:
    texto: str | None
    """The reply; None when the message is not about the cancellation (it goes on as a normal message)."""
    cancelar: tuple[int, int, str] | None = None
    """(note id, national code, reason) once the user confirms."""


def iniciar(rascunho: Rascunho, nota_id: int, numero: str, valor: str, tomador: str) -> str:
    """Start the dialogue for an authorized note: show it and ask for the reason."""
    rascunho.cancelamento = Cancelamento(nota_id, numero)
    return respostas.motivo_cancelamento(numero, valor, tomador)


def _codigo(texto: str) -> int | None:
    palavras = so_palavras(texto)
    numero = re.fullmatch(r"(?:opcao |numero )?([123])", palavras)
    if numero:
        return _OPCOES[numero.group(1)]
    achados = {codigo for padrao, codigo in _PALAVRAS if re.search(padrao, palavras)}
    return achados.pop() if len(achados) == 1 else None


def responder(rascunho: Rascunho, texto: str, intencao: Intencao | None) -> Passo:
    """Answer a message sent while a cancellation is being set up."""
    pedido = rascunho.cancelamento
    if intencao is Intencao.NOVA:
        rascunho.cancelamento = None
        return Passo(None)
    codigo = None
    if pedido.etapa is EtapaCancelamento.CODIGO and intencao is not Intencao.CANCELAR:
        codigo = _codigo(texto)
    if codigo is not None:  # before any "não": "não foi prestado" is reason 2, not giving up
        pedido.codigo, pedido.etapa = codigo, EtapaCancelamento.TEXTO
        return Passo(respostas.TEXTO_CANCELAMENTO)
    desiste = intencao is Intencao.NEGAR and pedido.etapa is not EtapaCancelamento.TEXTO
    if intencao is Intencao.CANCELAR or desiste:
        rascunho.cancelamento = None
        return Passo(respostas.cancelamento_desistido(pedido.numero))
    if pedido.etapa is EtapaCancelamento.CODIGO:
        return Passo(respostas.MOTIVO_CANCELAMENTO_INVALIDO)
    if pedido.etapa is EtapaCancelamento.TEXTO:
        if so_palavras(texto) in ("nao", "n"):
            rascunho.cancelamento = None
            return Passo(respostas.cancelamento_desistido(pedido.numero))
        motivo = " ".join(texto.split())
        if len(motivo) < MOTIVO_MINIMO:
            return Passo(respostas.motivo_curto(MOTIVO_MINIMO))
        if len(motivo) > MOTIVO_MAXIMO:
            return Passo(respostas.motivo_longo(MOTIVO_MAXIMO))
        pedido.motivo, pedido.etapa = motivo, EtapaCancelamento.CONFIRMACAO
        return Passo(respostas.confirmar_cancelamento(pedido.numero, CODIGOS[pedido.codigo], motivo))
    rascunho.cancelamento = None
    if intencao is Intencao.CONFIRMAR:
        return Passo(
            respostas.cancelamento_pedido(pedido.numero), cancelar=(pedido.nota_id, pedido.codigo, pedido.motivo)
        )
    return Passo(None)
