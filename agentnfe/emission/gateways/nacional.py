"""The national NFS-e API (Sefin Nacional and the ADN): a DPS signed with the empresa's A1, over mutual TLS.

Routes and answers, from public clients of the API (its Swagger's schema names NFSePostResponseSucesso and
NFSePostResponseErro, as quoted by them): `POST {sefin}/nfse` with `{"dpsXmlGZipB64"}` answers 201 with
`idDps`, `chaveAcesso`, `nfseXmlGZipB64` and `alertas`, or 400 with `erros` [{Codigo, Descricao, Complemento}]
(production answers capitalised keys; the Swagger spells them in lower case: both are read);
`GET {sefin}/nfse/{chave}` gives the NFS-e; `GET {sefin}/dps/{id}` the access key of the NFS-e a DPS generated
(404 when none); `GET {adn}/danfse/{chave}` the DANFSe PDF. Official bases per ambiente below (docs/arquitetura.md §5).
Cancellation (event e101101) is not offered through this gateway yet.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa
from lxml import etree

from agentnfe.cadastros import convenios
from agentnfe.infra.extensions import db

from ...fiscal import incidencia
from ...models import Ambiente, Certificado, Empresa, NFSe, Regime
from .. import apuracao, assinatura, dps
from ..dps import DPSRecusada
from . import parametros, rejeicoes_nacionais
from .base import (
    ArquivoPendente,
    GatewayInacessivel,
    GatewayRecusou,
    RespostaCancelamento,
    RespostaGateway,
    RespostaIlegivel,
    corpo_json,
    pedir,
)
from .credenciais import Credenciais, Credencial
from .parametros import Parametros

SEFIN_RESTRITA = "https://sefin.producaorestrita.nfse.gov.br"
CAMINHOS_RESTRITA = ("/SefinNacional", "/API/SefinNacional")
"""The produção restrita Sefin's base path differs between public sources: `/SefinNacional` (nfe/poc-nfse-nacional
README, kalmonv/node-sped-nfse) and `/API/SefinNacional` (voopenp/nfse-php SefinClient URL_HOMOLOGATION). The
setting NACIONAL_SEFIN_RESTRITA_PATH picks one; `nacional verificar` tries both and says which answered."""
BASES = {
    Ambiente.HOMOLOGACAO: (SEFIN_RESTRITA + CAMINHOS_RESTRITA[0], "https://adn.producaorestrita.nfse.gov.br"),
    Ambiente.PRODUCAO: ("https://sefin.nfse.gov.br/SefinNacional", "https://adn.nfse.gov.br"),
}
"""(Sefin, ADN) per ambiente: produção restrita for homologação. NACIONAL_SEFIN_URL/NACIONAL_ADN_URL override both.
Hosts as public clients use them (kalmonv/node-sped-nfse dist/utils/eventos.js, nfelib's NfseClient, a Python
client's `URL_DANFSE = https://adn.nfse.gov.br/danfse`); the DANFSe's host is to confirm in produção restrita."""


def bases(ambiente: Ambiente, config) -> tuple[str, str]:
    """(Sefin, ADN) of an ambiente under the settings (docs/arquitetura.md §5)."""
    sefin, adn = BASES[ambiente]
    if ambiente is Ambiente.HOMOLOGACAO:
        sefin = SEFIN_RESTRITA + config["NACIONAL_SEFIN_RESTRITA_PATH"]
    return config["NACIONAL_SEFIN_URL"] or sefin, config["NACIONAL_ADN_URL"] or adn


def bases_de_parametros(sefin: str, adn: str, config) -> list[str]:
    """Where municipal parameters are asked (parametros.py): the setting, or the ADN's API and then the Sefin's."""
    if config["NACIONAL_PARAMETROS_URL"]:
        return [config["NACIONAL_PARAMETROS_URL"]]
    return [adn + parametros.ROTA_ADN, sefin + parametros.ROTA_SEFIN]


CHAVE = re.compile(r"[0-9]{50}")
SEM_CANCELAMENTO = (
    "o cancelamento de notas do emissor nacional ainda não é feito pelo AgentNFe; "
    "cancele-a no Emissor Nacional (www.nfse.gov.br) com o certificado da empresa"
)


PARA_USUARIO = "o sistema nacional da NFS-e apontou dados fiscais que a contabilidade precisa corrigir"


def certificado_vigente(empresa_id: int) -> int | None:
    """Id of the empresa's A1 that lasts longest (the one a note is signed and sent with)."""
    consulta = sa.select(Certificado.id).where(Certificado.empresa_id == empresa_id)
    return db.session.scalar(consulta.order_by(Certificado.valido_ate.desc(), Certificado.id.desc()).limit(1))


def _segredos(certificado_id: int) -> tuple[bytes, str]:
    """The A1 file and password, decrypted: read only when its credential is not built yet."""
    certificado = db.session.get(Certificado, certificado_id)
    return certificado.arquivo, certificado.senha


class ClientesNacionais:
    """The national gateway of the process: one mutual-TLS client per certificate, bound per empresa."""

    def __init__(self, config, timeout: float):
        self.config = config
        self.credenciais = Credenciais(timeout, config["SSL_CERT_FILE"])

    def da_empresa(self, empresa_id: int) -> Nacional:
        """Reads the empresa and its A1 in the caller's transaction; no call is made here."""
        empresa = db.session.get(Empresa, empresa_id)
        sefin, adn = bases(empresa.ambiente, self.config)
        certificado_id = certificado_vigente(empresa_id)
        credencial = None
        if certificado_id is not None:
            credencial = self.credenciais.de(certificado_id, lambda: _segredos(certificado_id))
        nacional = Nacional(sefin, adn, credencial, bases_de_parametros(sefin, adn, self.config))
        nacional.ibscbs_obrigatorio = self.config["NACIONAL_IBSCBS_OBRIGATORIO"]
        return nacional

    def close(self) -> None:
        self.credenciais.close()


class Nacional:
    nome = "nacional"
    exige_certificado = True
    recebe_certificado = False
    exige_endereco = False
    """With the prestador as emitente its name and address come from the national registry, not the DPS."""
    numera_dps = True
    ibscbs_obrigatorio = False
    """NACIONAL_IBSCBS_OBRIGATORIO: a não optante's note needs the service's IBS/CBS codes (IBSCBS group). Anexo VI
    v1.02.01's layout makes the group 0-1 and says only that for Simples optants it is mandatory from 2027; this
    product reads it as informational in 2026 for the regular regime (docs/emissor-nacional.md). Off by default; on, the note is refused before
    anything is sent, saying which fields to fill."""

    def __init__(self, sefin: str, adn: str, credencial: Credencial | None, bases_parametros: list[str] = ()):
        self.sefin, self.adn, self.credencial = sefin, adn, credencial
        self.parametros = Parametros(credencial.http if credencial else None, list(bases_parametros))

    def _pedir(self, metodo: str, url: str, **kwargs) -> httpx.Response:
        if self.credencial is None:
            raise GatewayInacessivel("the empresa has no A1 certificate for the national API: nothing was sent")
        return pedir(self.credencial.http, "Sefin Nacional", metodo, url, **kwargs)

    def documento(self, nota: NFSe, retrato: dict, emissao: datetime, imposto) -> dict:
        """The signed DPS (raises DPSRecusada before anything is sent)."""
        if self.credencial is None:
            raise DPSRecusada("a empresa não tem certificado A1 para assinar a DPS")
        nao_optante = nota.empresa.regime in (Regime.LUCRO_PRESUMIDO, Regime.LUCRO_REAL)
        if self.ibscbs_obrigatorio and nao_optante and not (nota.servico.cst_ibscbs and nota.servico.cind_op):
            raise DPSRecusada(
                "o grupo IBS/CBS é obrigatório para empresas fora do Simples (NACIONAL_IBSCBS_OBRIGATORIO): preencha "
                "CST, cClassTrib e indicador da operação (cIndOp) no perfil fiscal do serviço"
            )
        # the convênio of the município the ISS is due to decides pAliq (E0617, E0635)
        devido = incidencia.da_nota(nota, (retrato.get("endereco") or {}).get("codigo_municipio")).municipio
        ativo = not convenios.sem_convenio_ativo(devido or nota.empresa.codigo_municipio)
        xml = dps.montar(nota, nota.empresa, nota.servico, retrato, emissao, imposto, ativo)
        assinado = assinatura.assinar(xml, self.credencial.chave, self.credencial.certificado_pem)
        return {"id_dps": dps.id_dps(nota, nota.empresa), "dps": assinado.decode()}

    def referencia(self, nota: NFSe) -> str:
        return dps.id_dps(nota, nota.empresa) if nota.numero_dps else nota.id_integracao

    def emitir(self, documento: dict) -> RespostaGateway:
        corpo = {"dpsXmlGZipB64": base64.b64encode(gzip.compress(documento["dps"].encode())).decode()}
        resposta = self._pedir("POST", f"{self.sefin}/nfse", json=corpo)
        if resposta.status_code in (200, 201):
            return self._autorizada(corpo_json(resposta))
        recusa = _recusa(resposta)
        if not recusa.credencial:  # refused: did this DPS already give a note (a resend after a lost answer)?
            existente = self.consultar_por_integracao(documento["id_dps"], "")
            if existente is not None:
                existente.existente = True
                return existente
        raise recusa

    def _autorizada(self, corpo: Any) -> RespostaGateway:
        chave = corpo.get("chaveAcesso") if isinstance(corpo, dict) else None
        if not isinstance(chave, str) or not CHAVE.fullmatch(chave):
            raise RespostaIlegivel(f"the national API answered without a 50-digit access key: {str(corpo)[:200]}")
        numero, apurado = None, None
        if corpo.get("nfseXmlGZipB64"):
            numero, apurado = _lido(_descompactar(corpo["nfseXmlGZipB64"]))
        resumo = {campo: corpo.get(campo) for campo in ("tipoAmbiente", "dataHoraProcessamento", "idDps", "alertas")}
        return RespostaGateway(
            "CONCLUIDO",
            gateway_id=chave,
            numero=numero,
            chave_acesso=chave,
            mensagem=_mensagens(corpo.get("alertas")) or "NFS-e gerada pela Sefin Nacional",
            bruto={**resumo, "chaveAcesso": chave, "nNFSe": numero},
            apurado=apurado,
        )

    def _ler(self, url: str) -> dict | None:
        """A GET's JSON body; None when the API has nothing there (404)."""
        resposta = self._pedir("GET", url)
        if resposta.status_code == 404:
            return None
        corpo = corpo_json(resposta)
        if resposta.status_code != 200 or not isinstance(corpo, dict):
            raise _recusa(resposta)
        return corpo

    def consultar(self, gateway_id: str) -> RespostaGateway | None:
        corpo = self._ler(f"{self.sefin}/nfse/{gateway_id}")
        return None if corpo is None else self._autorizada({"chaveAcesso": gateway_id, **corpo})

    def consultar_por_integracao(self, referencia: str, cnpj: str) -> RespostaGateway | None:
        """By the DPS Id: the access key of the NFS-e it generated, then that NFS-e (None: the DPS gave none)."""
        corpo = self._ler(f"{self.sefin}/dps/{referencia}")
        if corpo is None:
            return None
        chave = corpo.get("chaveAcesso")
        if not isinstance(chave, str) or not CHAVE.fullmatch(chave):
            raise RespostaIlegivel(f"the national API answered the DPS {referencia} without an access key")
        return self.consultar(chave)

    def cancelar(self, gateway_id: str, codigo: int, motivo: str) -> RespostaCancelamento:
        raise GatewayRecusou(SEM_CANCELAMENTO)

    def consultar_cancelamento(self, protocolo: str) -> RespostaCancelamento:
        raise GatewayRecusou(SEM_CANCELAMENTO)

    def pdf(self, gateway_id: str) -> bytes:
        resposta = self._pedir("GET", f"{self.adn}/danfse/{gateway_id}", headers={"Accept": "application/pdf"})
        if resposta.status_code in (202, 404):
            raise ArquivoPendente(f"the ADN has no DANFSe for {gateway_id} yet (HTTP {resposta.status_code})")
        if resposta.status_code != 200 or not resposta.content.startswith(b"%PDF"):
            raise _recusa(resposta)
        return resposta.content

    def xml(self, gateway_id: str) -> bytes:
        corpo = self._ler(f"{self.sefin}/nfse/{gateway_id}")
        if not corpo or not corpo.get("nfseXmlGZipB64"):
            raise GatewayRecusou(f"a Sefin Nacional não entregou o XML da NFS-e {gateway_id}")
        return _descompactar(corpo["nfseXmlGZipB64"])

    def enviar_certificado(self, arquivo: bytes, senha: str, nome: str) -> str:
        raise GatewayRecusou("o emissor nacional usa o certificado da própria empresa: nada é enviado")

    def cadastrar_empresa(self, dados: dict, atualizar: bool) -> None:
        raise GatewayRecusou("o emissor nacional lê o cadastro da empresa no CNC: nada é enviado")


MAXIMO_XML = 2 * 1024 * 1024
"""Largest NFS-e XML the product unpacks (an NFS-e is a few KB): a gzip that expands beyond it is refused
before it is held in memory."""
NUMERO_NFSE = re.compile(r"[1-9][0-9]{0,12}")
"""nNFSe as the national schema defines it (TSNNFSe): it names files in the month-end package."""


def _descompactar(b64: str) -> bytes:
    try:
        descompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
        xml = descompressor.decompress(base64.b64decode(b64), MAXIMO_XML)
    except (ValueError, zlib.error) as erro:
        raise RespostaIlegivel(f"the national API sent a document that is not gzip+base64: {erro}") from None
    if descompressor.unconsumed_tail or not descompressor.eof:
        raise RespostaIlegivel(
            f"the national API sent a document that expands beyond {MAXIMO_XML // 1024} KB or is truncated"
        )
    return xml


def _lido(xml: bytes) -> tuple[str | None, dict]:
    """nNFSe of the NFS-e XML (infNFSe/nNFSe, in the national namespace), checked against the schema's form, and
    the values Sefin computed on it (apuracao.ler)."""
    try:
        raiz = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as erro:
        raise RespostaIlegivel(f"the national API sent an NFS-e that is not XML: {erro}") from None
    inf = raiz.find(f"{{{dps.NAMESPACE}}}infNFSe")
    apurado = apuracao.ler(inf) if inf is not None else {}
    numero = raiz.findtext(f".//{{{dps.NAMESPACE}}}nNFSe")
    if numero is None:
        return None, apurado
    if not NUMERO_NFSE.fullmatch(numero.strip()):
        raise RespostaIlegivel(f"the national API sent an NFS-e whose nNFSe is not a number: {numero[:40]!r}")
    return numero.strip(), apurado


def _campo(item: dict, nome: str) -> str:
    valor = item.get(nome[0].upper() + nome[1:], item.get(nome))
    return str(valor).strip() if valor not in (None, "") else ""


def _itens(itens: Any) -> list[tuple[str, str, str]]:
    """(code, description, complement) of each coded message of an answer."""
    if isinstance(itens, dict):
        itens = [itens]
    return [
        tuple(_campo(item, c) for c in ("codigo", "descricao", "complemento"))
        for item in (itens if isinstance(itens, list) else [])
        if isinstance(item, dict)
    ]


def _mensagens(itens: Any) -> str:
    """`E0312: descrição (complemento)`, each coded message of the answer, verbatim."""
    return _verbatim(_itens(itens))


def _verbatim(itens: list[tuple[str, str, str]]) -> str:
    partes = []
    for codigo, descricao, complemento in itens:
        texto = f"{codigo}: {descricao}" if codigo else descricao
        partes.append(f"{texto} ({complemento})" if complemento else texto)
    return "; ".join(parte for parte in partes if parte)


def _recusa(resposta: httpx.Response) -> GatewayRecusou:
    """The answer's coded messages verbatim for the accountant, each known code followed by what to fix and where
    (rejeicoes_nacionais); a plain sentence for the WhatsApp user."""
    corpo = corpo_json(resposta)
    erros = (corpo.get("erros") or corpo.get("erro")) if isinstance(corpo, dict) else None
    itens = _itens(erros)
    explicacoes, para_usuario = rejeicoes_nacionais.explicar([codigo for codigo, _, _ in itens])
    mensagem = _verbatim(itens) or f"HTTP {resposta.status_code}"
    if explicacoes:
        mensagem += " — O que fazer: " + " ".join(explicacoes)
    recusa = GatewayRecusou(mensagem, bruto=corpo, status=resposta.status_code)
    recusa.para_usuario = para_usuario or PARA_USUARIO
    return recusa
