"""Conversation engine (docs/arquitetura.md §4): what the bot does with each message; it writes sessions and
messages only through `agentnfe.conversation.escrita`.

`execucao` runs a channel's pending messages through the state machine (`maquina`) and stores the replies
(`saidas`); `canal` finds a channel's sessions and serializes its writers. A note's outcome reaches a
conversation only through `saidas.anunciar_nota`.
"""

from .canal import do_canal
from .execucao import Resultado, processar_telefone
from .saidas import anunciar_nota, avisar_telefones, aviso_de_limite

__all__ = ["Resultado", "anunciar_nota", "aviso_de_limite", "avisar_telefones", "do_canal", "processar_telefone"]
