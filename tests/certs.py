"""Test A1 certificates made with `cryptography`, including the ICP-Brasil SAN otherName with the CNPJ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

OID_CNPJ = x509.ObjectIdentifier("2.16.76.1.3.3")


def _der(tag: int, conteudo: bytes) -> bytes:
    return bytes([tag, len(conteudo)]) + conteudo


def gerar_pfx(
    cnpj: str,
    senha: str = "senha-do-cert",
    dias: int = 365,
    inicio_ha_dias: int = 30,
    razao: str = "ALFA CONSULTORIA LTDA",
    san: str | None = "octet",
    cn_com_cnpj: bool = False,
) -> bytes:
    """A .pfx for `cnpj`; san is 'octet' (OCTET STRING), 'printable' (PrintableString) or None."""
    chave = ec.generate_private_key(ec.SECP256R1())
    nome = f"{razao}:{cnpj}" if cn_com_cnpj else razao
    sujeito = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"), x509.NameAttribute(NameOID.COMMON_NAME, nome)])
    agora = datetime.now(UTC)
    construtor = (
        x509.CertificateBuilder()
        .subject_name(sujeito)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC TESTE")]))
        .public_key(chave.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(agora - timedelta(days=inicio_ha_dias))
        .not_valid_after(agora + timedelta(days=dias))
    )
    if san:
        valor = _der(0x04 if san == "octet" else 0x13, cnpj.encode())
        construtor = construtor.add_extension(
            x509.SubjectAlternativeName([x509.OtherName(OID_CNPJ, valor)]), critical=False
        )
    certificado = construtor.sign(chave, hashes.SHA256())
    return pkcs12.serialize_key_and_certificates(
        b"a1", chave, certificado, None, serialization.BestAvailableEncryption(senha.encode())
    )
