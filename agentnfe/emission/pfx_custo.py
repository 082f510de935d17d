"""What opening a .pfx will cost, read before it is opened.

A PKCS#12 file names the iteration counts of its own key derivations (RFC 7292: the MAC's `MacData.iterations`,
each bag's PBE or PBKDF2 parameters), and `cryptography` runs them all before it can say the password is wrong:
a 2.8 KB file asking 2³¹−1 iterations held a web process for 150 s. Every such count stands in the file as an
INTEGER right after an OCTET STRING salt inside one SEQUENCE (MacData, pkcs-12PbeParams, PBKDF2-params), so a
walk of the DER/BER tree that checks each of them covers every layout without decoding the PKCS#12 structures
one by one. OCTET STRINGs are opened when their content is itself a complete encoding (the authenticated safe
and its SafeContents are wrapped that way); ciphertext is not.
"""

from __future__ import annotations

MAXIMO_ITERACOES = 1_000_000
"""Far above what certificate authorities and tools write (OpenSSL 2,048; Windows 2,000–10,000) and, at about
70 ns an iteration, a fraction of a second to open."""
_PROFUNDIDADE = 24
_SEQUENCIA, _OCTETOS, _INTEIRO = 0x30, 0x04, 0x02


class CustoExcessivo(ValueError):
    """The file asks for more key-derivation work than any real certificate does."""


def _tlv(dados: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content — or -1 for BER's indefinite length) at `pos`."""
    if pos + 2 > len(dados):
        raise ValueError("truncated")
    tag, tamanho, pos = dados[pos], dados[pos + 1], pos + 2
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte tags do not occur in PKCS#12")
    if tamanho == 0x80:
        return tag, pos, -1
    if tamanho & 0x80:
        n = tamanho & 0x7F
        if n > 4 or pos + n > len(dados):
            raise ValueError("bad length")
        tamanho, pos = int.from_bytes(dados[pos : pos + n], "big"), pos + n
    if pos + tamanho > len(dados):
        raise ValueError("length past the end")
    return tag, pos, pos + tamanho


def _filhos(dados: bytes, pos: int, fim: int, profundidade: int) -> tuple[list[tuple[int, bytes]], int]:
    """The children of a constructed value between pos and fim (fim -1: until the end-of-contents octets), each
    as (tag, content), checking every nested count on the way; returns them and where the value ends."""
    if profundidade > _PROFUNDIDADE:
        raise ValueError("nested too deep")
    filhos = []
    while (pos < fim) if fim >= 0 else dados[pos : pos + 2] != b"\x00\x00":
        tag, inicio, final = _tlv(dados, pos)
        if tag & 0x20:  # constructed: SEQUENCE, SET, [n]
            netos, final = _filhos(dados, inicio, final, profundidade + 1)
            _conferir_sequencia(netos)
            filhos.append((tag, b""))
        else:
            if final < 0:
                raise ValueError("indefinite length on a primitive")
            conteudo = dados[inicio:final]
            if tag == _OCTETOS:
                _abrir_octetos(conteudo, profundidade + 1)
            filhos.append((tag, conteudo))
        pos = final
        if pos > len(dados) or (fim >= 0 and pos > fim):
            raise ValueError("child past its parent")
    return filhos, (pos if fim >= 0 else pos + 2)


def _conferir_sequencia(filhos: list[tuple[int, bytes]]) -> None:
    for (tag, _), (seguinte, conteudo) in zip(filhos, filhos[1:], strict=False):
        if tag == _OCTETOS and seguinte == _INTEIRO and int.from_bytes(conteudo, "big", signed=True) > MAXIMO_ITERACOES:
            raise CustoExcessivo(f"a key derivation of {int.from_bytes(conteudo, 'big', signed=True):,} iterations")


def _abrir_octetos(conteudo: bytes, profundidade: int) -> None:
    """Walk an OCTET STRING's content when it is one complete encoding of a constructed value."""
    if not conteudo or conteudo[0] not in (_SEQUENCIA, 0x31, 0xA0):
        return
    try:
        _, inicio, fim = _tlv(conteudo, 0)
        if fim >= 0 and fim != len(conteudo):
            return
        filhos, final = _filhos(conteudo, inicio, fim, profundidade)
    except CustoExcessivo:
        raise
    except ValueError:
        return  # not an encoding: ciphertext or data
    if final == len(conteudo):
        _conferir_sequencia(filhos)


def conferir(conteudo: bytes) -> None:
    """Raise CustoExcessivo when any key derivation of the .pfx asks more than MAXIMO_ITERACOES, and ValueError
    when the file is not a DER/BER structure at all."""
    tag, inicio, fim = _tlv(conteudo, 0)
    if tag != _SEQUENCIA:
        raise ValueError("not a SEQUENCE")
    filhos, _ = _filhos(conteudo, inicio, fim, 0)
    _conferir_sequencia(filhos)
