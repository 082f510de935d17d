"""The process's mutual-TLS clients, one per A1: a client pushed out of the cache by newer ones is never closed
under a thread still calling through it; it closes when the last holder lets it go."""

import gc

from agentnfe.emission.gateways import credenciais
from agentnfe.emission.gateways.credenciais import Credenciais

from .certs import gerar_pfx


def test_a_client_left_out_of_the_cache_stays_open_while_a_thread_holds_it(monkeypatch):
    monkeypatch.setattr(credenciais, "MAXIMO", 1)
    arquivos = {1: gerar_pfx("11222333000181"), 2: gerar_pfx("12345678000195")}
    cache = Credenciais(timeout=1.0)
    em_uso = cache.de(1, lambda: (arquivos[1], "senha-do-cert"))  # a thread is calling Sefin through it
    cache.de(2, lambda: (arquivos[2], "senha-do-cert"))  # another certificate pushes it out
    assert not em_uso.http.is_closed
    assert cache.de(1, lambda: (arquivos[1], "senha-do-cert")) is not em_uso  # rebuilt: the cache forgot it
    http = em_uso.http
    del em_uso
    gc.collect()
    assert http.is_closed
    cache.close()
