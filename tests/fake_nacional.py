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
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree

from agentnfe.emission import dps
from agentnfe.emission.gateways.mock import pdf_simples

from .certs import OID_CNPJ
from .fakes import FakeServer
from .sefin_regras import Contribuinte, Convenio, Registros, apurar, conferir
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


def _erros(erros: list[tuple[str, str]], id_dps: str | None = None) -> tuple[int, dict, float]:
    corpo = {
        "tipoAmbiente": 2,
        "versaoAplicativo": "SefinNacional_fake",
        "dataHoraProcessamento": "2026-11-28T10:00:00-03:00",
        "idDPS": id_dps,
        "erros": [{"Codigo": codigo, "Descricao": descricao, "Complemento": None} for codigo, descricao in erros],
    }
    return 400, corpo, 0


def _erro(codigo: str, descricao: str, id_dps: str | None = None) -> tuple[int, dict, float]:
    return _erros([(codigo, descricao)], id_dps)


class FakeSefinNacional(FakeServer):
    def __init__(self, tls: ssl.SSLContext):
        super().__init__(tls)
        self.notas: dict[str, dict] = {}
        """By access key: {"id_dps", "numero", "xml", "cnpj"}."""
        self.por_dps: dict[str, str] = {}
        self.regra: tuple[str, str] | None = None
        """A (code, description) the next DPS is rejected with, as a city's rule would."""
        self.registros = Registros()
        """The national registries and municipal parameters the business rules read (sefin_regras.py)."""
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

    def registrar(self, cnpj: str, opcao_simples: str, municipio: str, inscricao: str | None, **convenio) -> None:
        """A prestador as the registries know it (Simples situation, CNC record) and its município's convênio."""
        self.registros.contribuintes[cnpj] = Contribuinte(opcao_simples, {municipio: inscricao} if inscricao else {})
        self.registros.convenios[municipio] = Convenio(**convenio)

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
        if caminho.startswith(f"{ADN}/parametrizacao/"):
            return self._parametros(caminho.removeprefix(f"{ADN}/parametrizacao/").split("/"))
        if caminho.startswith(f"{ADN}/danfse/"):
            chave = caminho.rsplit("/", 1)[1]
            self._pedidos_danfse[chave] = self._pedidos_danfse.get(chave, 0) + 1
            if chave not in self.notas or self._pedidos_danfse[chave] <= self.danfse_atrasado:
                return 404, {"erro": {"codigo": "E2406", "descricao": "DANFSe não encontrado."}}, 0
            return 200, pdf_simples(f"DANFSe {chave}"), 0
        return 404, b"<html><body>404 Not Found</body></html>", 0  # a route the server does not have

    def _parametros(self, partes: list[str]):
        """The ADN's Parametrização API as public clients read it (agentnfe/emission/gateways/parametros.py cites
        them): `/{cMun}/convenio` and `/{cMun}/{01.01.01.000}/{AAAA-MM-DD}/aliquota`, 404 with a message when the
        município has no parameters. The Sefin's `/parametros_municipais` answers 404, as it did in produção
        restrita for one of those clients."""
        convenio = self.registros.convenios.get(partes[0])
        if convenio is None:
            return 404, {"mensagem": "Não foram encontrados parâmetros para o município informado."}, 0
        if partes[1:] == ["convenio"]:
            marca = int(convenio.ativo)
            corpo = {"aderenteAmbienteNacional": marca, "aderenteEmissorNacional": int(convenio.emissores_nacionais),
                     "situacaoEmissaoPadraoContribuintesRFB": 1, "aderenteMAN": marca,
                     "permiteAproveitametoDeCreditos": True}  # fmt: skip
            return 200, {"parametrosConvenio": corpo, "mensagem": None}, 0
        if len(partes) == 4 and partes[3] == "aliquota":
            item = {
                "Incidencia": "SIM",
                "Aliq": float(convenio.aliquota),
                "DtIni": "2023-01-01T00:00:00",
                "DtFim": None,
            }
            return 200, {"aliquotas": {partes[1]: [item]}, "mensagem": None}, 0
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
        recusas = conferir(raiz, self.registros, datetime.now(UTC))
        if recusas:
            return _erros(recusas, id_dps)
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
                f"<nNFSe>{self._numero}</nNFSe>{apurar(raiz, self.registros)}{xml.decode()}</infNFSe></NFSe>"
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
