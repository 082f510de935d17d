"""An independent check of a DPS's enveloped signature: Python's own canonicalisation and the certificate's key.

Independent of the product's signer and of libxml2 (whose in-document C14N is wrong for this layout, see
agentnfe/emission/assinatura.py). ElementTree implements C14N 2.0, which equals C14N 1.0 for these documents: no
comments, prefixes, xml:* attributes or relative URIs.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

DS = "{http://www.w3.org/2000/09/xmldsig#}"


class AssinaturaInvalida(Exception):
    pass


def _canonico(elemento: etree._Element) -> bytes:
    return ET.canonicalize(etree.tostring(elemento).decode()).encode()


def verificar(xml: bytes, certificado: x509.Certificate | None = None) -> x509.Certificate:
    """Check digest and signature of the signed infDPS; returns the certificate that signed (KeyInfo's unless
    `certificado` is given, which must then be the one that signed)."""
    raiz = etree.fromstring(xml)
    info, assinatura = raiz[0], raiz.find(f"{DS}Signature")
    if assinatura is None:
        raise AssinaturaInvalida("no Signature after infDPS")
    referencia = assinatura.find(f"{DS}SignedInfo/{DS}Reference")
    if referencia.get("URI") != f"#{info.get('Id')}":
        raise AssinaturaInvalida(f"the reference {referencia.get('URI')} is not infDPS")
    digest = base64.b64encode(hashlib.sha256(_canonico(info)).digest()).decode()
    if digest != referencia.findtext(f"{DS}DigestValue"):
        raise AssinaturaInvalida("digest of infDPS does not match")
    embutido = x509.load_der_x509_certificate(
        base64.b64decode(assinatura.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"))
    )
    certificado = certificado or embutido
    if certificado != embutido:
        raise AssinaturaInvalida("KeyInfo carries another certificate")
    try:
        certificado.public_key().verify(
            base64.b64decode(assinatura.findtext(f"{DS}SignatureValue")),
            _canonico(assinatura.find(f"{DS}SignedInfo")),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception as erro:
        raise AssinaturaInvalida(f"signature value does not verify: {type(erro).__name__}") from None
    return certificado
