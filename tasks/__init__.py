"""Huey tasks (message processing, replies, emission, sweeper); imported by web and worker alike."""

from . import anuncio, conversa, emissao, entrega, fechamento, importacao, manutencao, nacional, trabalhos  # noqa: F401  (each module registers its tasks)
