"""A fake Sefin Nacional + ADN over HTTPS that requires a client certificate from the test CA.

It behaves as the public clients of the national API describe it (agentnfe/emission/gateways/nacional.py cites
them): the DPS arrives gzipped and base64-encoded; the answer is synchronous — 201 with the 50-digit access key
and the NFS-e XML — or 400 with coded `erros` (capitalised keys, as production answers). Like the real system it
checks what it can: the official XSD, the XMLDSig signature against the client certificate, that the certificate
belongs to the prestador, and that a DPS Id is used once. `/dps/{id}` answers which NFS-e a DPS generated.
"""

from __future__ import annotations

import base64
import gzip
import re
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

from cryptography import x509
from lxml import etree

from agentnfe.emission import dps
from agentnfe.emission.gateways.mock import pdf_simples

from .certs import OID_CNPJ
from .fakes import FakeServer
from .xmldsig import AssinaturaInvalida, verificar

NS = {"n": dps.NAMESPACE}
SEFIN = "/SefinNacional"
ADN = "/adn"


def contexto_servidor(ac, pasta) -> ssl.SSLContext:
    contexto = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    contexto.load_cert_chain(*ac.servidor(pasta))
    contexto.verify_mode = ssl.CERT_REQUIRED
    contexto.load_verify_locations(cadata=ac.pem.decode())
    return contexto


def cnpj_do_certificado(der: bytes) -> str | None:
    certificado = x509.load_der_x509_certificate(der)
    san = certificado.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    for nome in san.get_values_for_type(x509.OtherName):
        if nome.type_id == OID_CNPJ:
            return re.sub(rb"\D", b"", nome.value[2:]).decode()
    return None


def regras_de_datas(raiz, processamento: datetime) -> tuple[str, str] | None:
    """Anexo I v1.00 (RN DPS_NFS-e, Nível 1) on the DPS's dates, from the rules' own words: E0008 "A data e hora
    de emissão da DPS deve ser anterior ou igual à data do seu processamento (dhProc)"; E0015 "A data de
    competência informada na DPS não pode ser posterior à data de emissão (dhEmi) da DPS"."""
    emissao = datetime.fromisoformat(raiz.findtext("n:infDPS/n:dhEmi", namespaces=NS))
    if emissao > processamento:
        return "E0008", "A data e hora de emissão da DPS deve ser anterior ou igual à data do seu processamento."
    if date.fromisoformat(raiz.findtext("n:infDPS/n:dCompet", namespaces=NS)) > emissao.date():
        return "E0015", "A data de competência informada na DPS não pode ser posterior à data de emissão da DPS."
    return None


def _erro(codigo: str, descricao: str, id_dps: str | None = None) -> tuple[int, dict, float]:
    corpo = {
        "tipoAmbiente": 2,
        "versaoAplicativo": "SefinNacional_fake",
        "dataHoraProcessamento": "2026-11-28T10:00:00-03:00",
        "idDPS": id_dps,
        "erros": [{"Codigo": codigo, "Descricao": descricao, "Complemento": None}],
    }
    return 400, corpo, 0


class FakeSefinNacional(FakeServer):
    def __init__(self, tls: ssl.SSLContext):
        super().__init__(tls)
        self.notas: dict[str, dict] = {}
        """By access key: {"id_dps", "numero", "xml", "cnpj"}."""
        self.por_dps: dict[str, str] = {}
        self.regra: tuple[str, str] | None = None
        """A (code, description) the next DPS is rejected with, as a city's rule would."""
        self.perder_resposta = 0.0
        """Seconds the next accepted DPS's answer is held (longer than the client waits: the answer is lost)."""
        self.danfse_atrasado = 1
        """404s the ADN answers for a new note's DANFSe before it has it (the NFS-e reaches the ADN later)."""
        self.nfse_hostil: Callable[[bytes], bytes] | None = None
        """Rewrites the NFS-e XML of every answer (a hostile or broken server: a gzip bomb, a number that is a
        path) before it is compressed."""
        self._pedidos_danfse: dict[str, int] = {}
        self._numero = 0
        self._trava = threading.Lock()

    @property
    def sefin(self) -> str:
        return self.url + SEFIN

    @property
    def adn(self) -> str:
        return self.url + ADN

    def emissoes(self) -> list[dict]:
        return [p for p in self.requests if p["method"] == "POST" and p["path"] == f"{SEFIN}/nfse"]

    def responder(self, pedido):
        caminho = pedido["path"]
        if pedido["method"] == "POST" and caminho == f"{SEFIN}/nfse":
            return self._emitir(pedido)
        if caminho.startswith(f"{SEFIN}/dps/"):
            chave = self.por_dps.get(caminho.rsplit("/", 1)[1])
            if chave is None:
                return 404, {"erro": {"codigo": "E2407", "descricao": "DPS não encontrada."}}, 0
            return 200, {"tipoAmbiente": 2, "idDps": caminho.rsplit("/", 1)[1], "chaveAcesso": chave}, 0
        if caminho.startswith(f"{SEFIN}/nfse/"):
            nota = self.notas.get(caminho.rsplit("/", 1)[1])
            if nota is None:
                return 404, {"erro": {"codigo": "E2406", "descricao": "NFS-e não encontrada."}}, 0
            return 200, self._sucesso(caminho.rsplit("/", 1)[1], nota), 0
        if caminho.startswith(f"{ADN}/danfse/"):
            chave = caminho.rsplit("/", 1)[1]
            self._pedidos_danfse[chave] = self._pedidos_danfse.get(chave, 0) + 1
            if chave not in self.notas or self._pedidos_danfse[chave] <= self.danfse_atrasado:
                return 404, {"erro": {"codigo": "E2406", "descricao": "DANFSe não encontrado."}}, 0
            return 200, pdf_simples(f"DANFSe {chave}"), 0
        return 404, {}, 0

    def _sucesso(self, chave: str, nota: dict) -> dict:
        return {
            "tipoAmbiente": 2,
            "versaoAplicativo": "SefinNacional_fake",
            "dataHoraProcessamento": "2026-11-28T10:00:00-03:00",
            "idDps": nota["id_dps"],
            "chaveAcesso": chave,
            "nfseXmlGZipB64": base64.b64encode(gzip.compress(self._xml(nota["xml"]), compresslevel=1)).decode(),
            "alertas": [],
        }

    def _xml(self, xml: bytes) -> bytes:
        return self.nfse_hostil(xml) if self.nfse_hostil else xml

    def _emitir(self, pedido):
        try:
            xml = gzip.decompress(base64.b64decode(pedido["json"]["dpsXmlGZipB64"]))
            raiz = etree.fromstring(xml)
        except (TypeError, KeyError, ValueError, OSError, etree.XMLSyntaxError):
            return _erro("E1226", "Estrutura descompactada mal formada.")
        id_dps = raiz.find("n:infDPS", NS).get("Id")
        erros = dps.erros_de_esquema(xml)
        if erros:
            return _erro("E1235", f"Falha no esquema XML da DPS: {erros[0]}", id_dps)
        try:
            verificar(xml, x509.load_der_x509_certificate(pedido["cliente"]))
        except AssinaturaInvalida as erro:
            return _erro("E0714", f"Assinatura inválida: {erro}", id_dps)
        cnpj = raiz.findtext("n:infDPS/n:prest/n:CNPJ", namespaces=NS)
        if cnpj != cnpj_do_certificado(pedido["cliente"]):
            # Anexo I v1.00, RN DPS_NFS-e: E0718 (E0160 is the Simples Nacional situation, not the certificate)
            return _erro("E0718", "A assinatura deve ser feita com o certificado digital do emitente da DPS.", id_dps)
        recusa = regras_de_datas(raiz, datetime.now(UTC))
        if recusa is not None:
            return _erro(*recusa, id_dps)
        if self.regra is not None:
            codigo, descricao = self.regra
            self.regra = None
            return _erro(codigo, descricao, id_dps)
        with self._trava:
            if id_dps in self.por_dps:
                return _erro("E0014", "Já existe NFS-e gerada para esta DPS.", id_dps)
            self._numero += 1
            chave = self._chave(raiz, cnpj, self._numero)
            nfse = (
                f'<NFSe xmlns="{dps.NAMESPACE}" versao="1.01"><infNFSe Id="NFS{chave}">'
                f"<nNFSe>{self._numero}</nNFSe></infNFSe>{xml.decode()}</NFSe>"
            ).encode()
            self.notas[chave] = {"id_dps": id_dps, "numero": str(self._numero), "xml": nfse, "cnpj": cnpj}
            self.por_dps[id_dps] = chave
        atraso, self.perder_resposta = self.perder_resposta, 0.0
        return 201, self._sucesso(chave, self.notas[chave]), atraso

    @staticmethod
    def _chave(raiz, cnpj: str, numero: int) -> str:
        """cMun(7) + ambiente gerador(1) + tpInsc(1) + CNPJ(14) + nNFSe(13) + AAMM(4) + código(9) + DV(1)."""
        municipio = raiz.findtext("n:infDPS/n:cLocEmi", namespaces=NS)
        aamm = raiz.findtext("n:infDPS/n:dhEmi", namespaces=NS)[2:7].replace("-", "")
        return f"{municipio}12{cnpj}{numero:013d}{aamm}{numero * 7919 % 10**9:09d}{numero % 10}"
