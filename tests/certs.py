"""Test A1 certificates made with `cryptography`, including the ICP-Brasil SAN otherName with the CNPJ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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


class AutoridadeDeTeste:
    """A test CA: it issues the fake national API's server certificate and ICP-style A1s (RSA, CNPJ in the SAN)."""

    def __init__(self, nome: str = "AC TESTE AGENTNFE"):
        self.chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.nome = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, nome)])
        agora = datetime.now(UTC)
        self.certificado = (
            x509.CertificateBuilder()
            .subject_name(self.nome)
            .issuer_name(self.nome)
            .public_key(self.chave.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(agora - timedelta(days=1))
            .not_valid_after(agora + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.chave.public_key()), critical=False)
            .sign(self.chave, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.certificado.public_bytes(serialization.Encoding.PEM)

    def _emitir(self, sujeito: x509.Name, chave, extensoes: list, dias: int = 365) -> x509.Certificate:
        agora = datetime.now(UTC)
        construtor = (
            x509.CertificateBuilder()
            .subject_name(sujeito)
            .issuer_name(self.nome)
            .public_key(chave.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(agora - timedelta(days=1))
            .not_valid_after(agora + timedelta(days=dias))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.chave.public_key()), critical=False)
        )
        for extensao, critica in extensoes:
            construtor = construtor.add_extension(extensao, critical=critica)
        return construtor.sign(self.chave, hashes.SHA256())

    def servidor(self, pasta) -> tuple[str, str]:
        """(certificate, key) PEM files for a TLS server on 127.0.0.1."""
        import ipaddress

        chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificado = self._emitir(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]),
            chave,
            [
                (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
                (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False),
            ],
        )
        caminho_certificado, caminho_chave = pasta / "servidor.pem", pasta / "servidor.key"
        caminho_certificado.write_bytes(certificado.public_bytes(serialization.Encoding.PEM))
        caminho_chave.write_bytes(
            chave.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return str(caminho_certificado), str(caminho_chave)

    def a1(self, cnpj: str, senha: str = "senha-do-cert", razao: str = "ALFA CONSULTORIA LTDA") -> bytes:
        """An e-CNPJ-like A1 (.pfx): RSA 2048, client authentication, the CNPJ in the ICP-Brasil otherName."""
        chave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        sujeito = x509.Name(
            [x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"), x509.NameAttribute(NameOID.COMMON_NAME, f"{razao}:{cnpj}")]
        )
        certificado = self._emitir(
            sujeito,
            chave,
            [
                (x509.SubjectAlternativeName([x509.OtherName(OID_CNPJ, _der(0x04, cnpj.encode()))]), False),
                (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            ],
        )
        return pkcs12.serialize_key_and_certificates(
            b"a1", chave, certificado, [self.certificado], serialization.BestAvailableEncryption(senha.encode())
        )
