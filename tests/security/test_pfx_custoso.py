"""A .pfx that asks for an absurd number of key-derivation iterations is refused before it is opened: an upload
cannot hold a web process (a 2.8 KB file asking 2³¹−1 held one for 150 s). Counts just above the cap keep the
suite fast; the refusal does not depend on how far above it a file goes."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

from agentnfe.emission import certificados, pfx_custo

from ..certs import AutoridadeDeTeste

SENHA = "senha-do-cert"
CNPJ = "11222333000181"
ACIMA = pfx_custo.MAXIMO_ITERACOES + 1


@pytest.fixture(scope="module")
def pfx() -> bytes:
    return AutoridadeDeTeste().a1(CNPJ)


def _tamanho(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    corpo = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(corpo)]) + corpo


def _ler(dados: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, content, next position) of a definite-length DER value — the test's own reading, not the product's."""
    tag, primeiro, pos = dados[pos], dados[pos + 1], pos + 2
    tamanho = primeiro
    if primeiro & 0x80:
        tamanho = int.from_bytes(dados[pos : pos + (primeiro & 0x7F)], "big")
        pos += primeiro & 0x7F
    return tag, dados[pos : pos + tamanho], pos + tamanho


def _filhos(conteudo: bytes) -> list[tuple[int, bytes]]:
    filhos, pos = [], 0
    while pos < len(conteudo):
        tag, valor, pos = _ler(conteudo, pos)
        filhos.append((tag, valor))
    return filhos


def _codificar(tag: int, valor: bytes) -> bytes:
    return bytes([tag]) + _tamanho(len(valor)) + valor


def com_mac_de(pfx: bytes, iteracoes: int, indefinido: bool = False) -> bytes:
    """The same PFX with MacData.iterations replaced (RFC 7292: PFX ::= SEQUENCE {version, authSafe, macData},
    MacData ::= SEQUENCE {mac, macSalt, iterations}); `indefinido` writes the outer SEQUENCE in BER's
    indefinite-length form, as some exporters do."""
    _, conteudo, _ = _ler(pfx, 0)
    versao, auth_safe, mac_data = _filhos(conteudo)
    mac, sal, _iteracoes = _filhos(mac_data[1])
    inteiro = iteracoes.to_bytes((iteracoes.bit_length() + 8) // 8, "big")
    novo_mac = _codificar(0x30, b"".join(_codificar(t, v) for t, v in (mac, sal)) + _codificar(0x02, inteiro))
    corpo = _codificar(*versao) + _codificar(*auth_safe) + novo_mac
    return b"\x30\x80" + corpo + b"\x00\x00" if indefinido else _codificar(0x30, corpo)


def com_chave_de(pfx: bytes, iteracoes: int) -> bytes:
    chave, certificado, _ = pkcs12.load_key_and_certificates(pfx, SENHA.encode())
    cifra = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(iteracoes)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .build(SENHA.encode())
    )
    return pkcs12.serialize_key_and_certificates(b"a1", chave, certificado, None, cifra)


def ler(conteudo: bytes):
    return certificados.ler_pfx(conteudo, SENHA, date(2026, 12, 7), ZoneInfo("America/Sao_Paulo"))


@pytest.mark.parametrize("indefinido", [False, True])
def test_a_mac_asking_too_many_iterations_is_refused_before_opening(pfx, indefinido):
    assert ler(com_mac_de(pfx, 2048, indefinido)).cnpj == CNPJ  # the rewrite itself keeps a good file good
    with pytest.raises(certificados.CertificadoInvalido, match="esforço de abertura muito acima"):
        ler(com_mac_de(pfx, ACIMA, indefinido))


def test_a_key_bag_asking_too_many_iterations_is_refused_before_opening(pfx):
    with pytest.raises(certificados.CertificadoInvalido, match="esforço de abertura muito acima"):
        ler(com_chave_de(pfx, ACIMA))
    assert ler(com_chave_de(pfx, 100_000)).cnpj == CNPJ  # what some tools write is still accepted


def test_the_admin_upload_answers_at_once_in_portuguese(client, auth, firmas, pfx):
    import io

    from agentnfe.infra.extensions import db
    from agentnfe.models import Certificado

    empresa = firmas["a"]["empresa"]
    empresa.cnpj = CNPJ
    db.session.commit()
    auth.login("admin@a.com")
    token = auth.csrf("/admin/certificados/new/")
    resposta = client.post(
        "/admin/certificados/new/",
        data={"csrf_token": token, "empresa_id": str(empresa.id), "senha": SENHA,
              "arquivo": (io.BytesIO(com_mac_de(pfx, ACIMA)), "a1.pfx")},
        content_type="multipart/form-data", follow_redirects=True,
    )  # fmt: skip
    assert "esforço de abertura muito acima" in resposta.get_data(as_text=True)
    assert db.session.query(Certificado).count() == 0


def test_the_national_gateway_refuses_such_a_stored_file_too(pfx):
    from agentnfe.emission.gateways.credenciais import contexto_tls

    with pytest.raises(pfx_custo.CustoExcessivo):
        contexto_tls(com_mac_de(pfx, ACIMA), SENHA)
