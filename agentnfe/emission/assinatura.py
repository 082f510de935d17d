"""XMLDSig enveloped signature of a DPS over its `infDPS`, with the empresa's A1.

Algorithms, from public signed documents of the national layout: RSA-SHA256 with SHA-256 digests and C14N 1.0
(REC-xml-c14n-20010315), with the enveloped-signature transform, as in the issued NFS-e that nfelib ships
(nfelib/nfse/samples/v1_0/nfse-ibscbs.xml, signed by the national system). Some public clients still sign with
RSA-SHA1 (nfse-php's default); SHA-256 is what the national system itself uses. The Signature element goes
unprefixed in the XMLDSig namespace after infDPS (TCDPS: infDPS, Signature), as in that sample.
Still to confirm in produção restrita: that a DPS signed this way is accepted there.

Written with lxml and `cryptography`, not signxml: libxml2 2.14 (inside lxml 6) canonicalises an element *in its
document* wrongly when the default namespace is declared on an ancestor outside it — grandchildren get a
spurious xmlns="" — so digests of infDPS (default namespace on DPS) and of SignedInfo (on Signature) come out
different from what any other implementation computes, and signxml, which canonicalises in place, signs and
verifies that wrong form. Each element is canonicalised here as a document of its own, which carries the
in-scope declarations (the DPS declares only its default namespace) and takes libxml2's correct path. The tests
verify every signature with an independent C14N (Python's own) and the certificate's public key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from .dps import DPSRecusada

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


class AssinaturaImpossivel(DPSRecusada):
    """The certificate cannot sign a DPS (message in Portuguese for the accountant)."""


def _c14n(elemento: etree._Element) -> bytes:
    """Inclusive C14N 1.0 of an element with its inherited namespace declarations (see the module's note)."""
    return etree.tostring(etree.fromstring(etree.tostring(elemento)), method="c14n", exclusive=False)


def _filho(pai: etree._Element, nome: str, texto: str | None = None, **atributos) -> etree._Element:
    elemento = etree.SubElement(pai, f"{{{DS}}}{nome}", atributos)
    elemento.text = texto
    return elemento


def assinar(xml: bytes, chave, certificado_pem: bytes) -> bytes:
    """The DPS signed over its infDPS (Reference URI `#<Id>`), the certificate in KeyInfo."""
    if not isinstance(chave, rsa.RSAPrivateKey):
        raise AssinaturaImpossivel("o certificado A1 não tem chave RSA, que a assinatura da DPS exige")
    raiz = etree.fromstring(xml)
    info = raiz[0]
    assinatura = etree.SubElement(raiz, f"{{{DS}}}Signature", nsmap={None: DS})
    assinado = _filho(assinatura, "SignedInfo")
    _filho(assinado, "CanonicalizationMethod", Algorithm=C14N_10)
    _filho(assinado, "SignatureMethod", Algorithm=RSA_SHA256)
    referencia = _filho(assinado, "Reference", URI=f"#{info.get('Id')}")
    transformacoes = _filho(referencia, "Transforms")
    _filho(transformacoes, "Transform", Algorithm=ENVELOPED)
    _filho(transformacoes, "Transform", Algorithm=C14N_10)
    _filho(referencia, "DigestMethod", Algorithm=SHA256)
    _filho(referencia, "DigestValue", base64.b64encode(hashlib.sha256(_c14n(info)).digest()).decode())
    valor = chave.sign(_c14n(assinado), padding.PKCS1v15(), hashes.SHA256())
    _filho(assinatura, "SignatureValue", base64.b64encode(valor).decode())
    certificado = x509.load_pem_x509_certificate(certificado_pem)
    der = certificado.public_bytes(serialization.Encoding.DER)
    dados = _filho(_filho(assinatura, "KeyInfo"), "X509Data")
    _filho(dados, "X509Certificate", base64.b64encode(der).decode())
    return etree.tostring(raiz, encoding="UTF-8", xml_declaration=False)
