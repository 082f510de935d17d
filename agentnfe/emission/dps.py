"""The national layout's DPS (Declaração de Prestação de Serviço, leiaute v1.01) of a note: pure functions.

Built with nfelib's bindings of the official schemas (xsdata dataclasses) and checked against the official XSD
that nfelib ships (NFSe-ESQUEMAS_XSD-v1.01-20260209). Every code the national layout numbers lives in the
tables below; each cites `tiposSimples_v1.01.xsd`, the schema's own documentation of its codes.
"""

from __future__ import annotations

import calendar
import re
import threading
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import nfelib
from lxml import etree
from nfelib.nfse.bindings.v1_0 import dps_v1_01 as dps
from nfelib.nfse.bindings.v1_0 import tipos_complexos_v1_01 as tc
from nfelib.nfse.bindings.v1_0 import tipos_simples_v1_01 as ts
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from ..fiscal import carga_tributaria, incidencia, regras_nacionais
from ..fiscal.iss import ISS
from ..models import Ambiente, Empresa, NFSe, Regime, RegimeEspecial, ServicoEmpresa

NAMESPACE = "http://www.sped.fazenda.gov.br/nfse"
VERSAO = "1.01"
VERSAO_APLICATIVO = "AgentNFe_1.0"

# TSTipoAmbiente: 1 produção, 2 homologação (produção restrita).
AMBIENTES = {Ambiente.PRODUCAO: ts.TstipoAmbiente.VALUE_1, Ambiente.HOMOLOGACAO: ts.TstipoAmbiente.VALUE_2}
# TSOpSimpNac: 1 não optante, 2 MEI, 3 ME/EPP. TSRegimeApuracaoSimpNac goes only with 3 (E0162/E0166): the
# empresa's apuracao_simples (fiscal/regras_nacionais.py Apuracao).
REGIMES = {
    Regime.LUCRO_PRESUMIDO: ts.TsopSimpNac.VALUE_1,
    Regime.LUCRO_REAL: ts.TsopSimpNac.VALUE_1,
    Regime.MEI: ts.TsopSimpNac.VALUE_2,
    Regime.SIMPLES_NACIONAL: ts.TsopSimpNac.VALUE_3,
}
APURACOES = {1: ts.TsregimeApuracaoSimpNac.VALUE_1, 2: ts.TsregimeApuracaoSimpNac.VALUE_2,
             3: ts.TsregimeApuracaoSimpNac.VALUE_3}  # fmt: skip
# TSRegEspTrib: 0 nenhum, 1 ato cooperado, 2 estimativa, 3 microempresa municipal, 4 notário ou registrador,
# 5 profissional autônomo, 6 sociedade de profissionais, 9 outros. MEI and ME/EPP are not special regimes in
# this layout (they are opSimpNac 2 and 3): they go as 0.
REGIMES_ESPECIAIS = {
    RegimeEspecial.NENHUM: ts.TsregEspTrib.VALUE_0,
    RegimeEspecial.COOPERATIVA: ts.TsregEspTrib.VALUE_1,
    RegimeEspecial.ESTIMATIVA: ts.TsregEspTrib.VALUE_2,
    RegimeEspecial.ME_MUNICIPAL: ts.TsregEspTrib.VALUE_3,
    RegimeEspecial.NOTARIO_REGISTRADOR: ts.TsregEspTrib.VALUE_4,
    RegimeEspecial.AUTONOMO: ts.TsregEspTrib.VALUE_5,
    RegimeEspecial.SOCIEDADE_PROFISSIONAIS: ts.TsregEspTrib.VALUE_6,
    RegimeEspecial.OUTROS: ts.TsregEspTrib.VALUE_9,
    RegimeEspecial.MEI: ts.TsregEspTrib.VALUE_0,
    RegimeEspecial.ME_EPP_SIMPLES: ts.TsregEspTrib.VALUE_0,
}
# TSTribISSQN: 1 operação tributável, 2 imunidade, 3 exportação, 4 não incidência. Notes are taxable services.
TRIBUTAVEL = ts.TstribIssqn.VALUE_1
# TSTipoRetISSQN: 1 não retido, 2 retido pelo tomador, 3 retido pelo intermediário.
RETENCAO = {False: ts.TstipoRetIssqn.VALUE_1, True: ts.TstipoRetIssqn.VALUE_2}
# TSTipoInscricao in the DPS Id: 1 CPF, 2 CNPJ (the Id of nfelib's sample dps-simples.xml carries 2 before a CNPJ).
INSCRICAO = {11: "1", 14: "2"}
SERIE = re.compile(r"0{0,4}[0-9]{1,5}")
SERIE_MAXIMA = 49999
"""E0010 and the layout's note on `serie`: 00001 to 49999 is the range of the taxpayer's own application."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
"""E0247: "Email deve ser informado conforme estrutura (conter @, ponto etc.)"; another text is not sent."""
SERVICOS_COM_OBRA = frozenset({"070201", "070202", "070401", "070501", "070502", "070601", "070602", "070701",
                               "070801", "071701", "071901"})  # fmt: skip
"""E0370: these national codes require the `obra` group, which the product does not write yet."""
SEM_INCIDENCIA = "990101"
"""E0532: 99.01.01 is declared as não incidência (tribISSQN 4); the product writes taxable services only."""


class DPSRecusada(ValueError):
    """The note cannot be written as a DPS (the message says why, in Portuguese, for the accountant)."""


def id_dps(nota: NFSe, empresa: Empresa) -> str:
    """The DPS Id of a numbered note."""
    return identificador(empresa, nota.serie_dps, nota.numero_dps)


def identificador(empresa: Empresa, serie: str, numero: int) -> str:
    """`DPS` + cMun(7) + tpInsc(1) + CNPJ/CPF(14) + série(5) + nDPS(15) (TSIdDPS)."""
    inscricao = INSCRICAO[len(empresa.cnpj)] + empresa.cnpj.zfill(14)
    return f"DPS{empresa.codigo_municipio}{inscricao}{int(serie):05d}{numero:015d}"


def _valor(valor: Decimal, casas: str = "0.01") -> str:
    """TSDec15V2 / TSDec1V2: a plain decimal with two places, rounded half-up."""
    return str(Decimal(valor).quantize(Decimal(casas), rounding=ROUND_HALF_UP))


_TIPOGRAFICOS = str.maketrans(
    {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}
)


def _latin1(valor: str | None, limite: int) -> str | None:
    """A TSString value: the layout admits only U+0020-U+00FF, without spaces at either end. Typographic dashes
    and quotes become their plain forms, accented letters outside Latin-1 lose the accent, the rest is dropped."""
    texto = unicodedata.normalize("NFC", " ".join((valor or "").translate(_TIPOGRAFICOS).split()))
    decomposto = (c if c <= "\xff" else unicodedata.normalize("NFKD", c) for c in texto)
    texto = "".join(c for parte in decomposto for c in parte if " " <= c <= "\xff")
    texto = " ".join(texto.split())[:limite].strip()
    return texto or None


_FORA_DO_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(valor: str, limite: int, rotulo: str) -> str:
    """Free text as XML 1.0 admits it (control characters other than tab and line breaks removed)."""
    texto = _FORA_DO_XML.sub("", valor).strip()[:limite]
    if not texto:
        raise DPSRecusada(f"{rotulo} está vazio ou só tem caracteres que a nota não aceita; corrija-o no painel")
    return texto


def endereco_exigido(documento: str, retido: bool, no_tomador: bool) -> str | None:
    """Why the rules require the tomador's address on this note (None when they do not): E0235, E0237, E0234."""
    if len(documento) == 14:
        return "o tomador identificado por CNPJ (regra E0235)"
    if retido:
        return "o ISS retido pelo tomador (regra E0237)"
    if no_tomador:
        return "o serviço, cujo ISS é devido no município do tomador (regra E0234)"
    return None


def _pessoa(retrato: dict, retido: bool = False, no_tomador: bool = False) -> tc.TcinfoPessoa:
    documento = retrato["documento"]
    if not documento.isdigit():
        raise DPSRecusada(
            f"o tomador {documento} tem CNPJ alfanumérico, que o leiaute nacional (v1.01) ainda não aceita; "
            "emita esta nota por outro gateway ou aguarde a atualização do leiaute"
        )
    endereco = retrato.get("endereco") or {}
    rua, numero, bairro = (
        _latin1(endereco.get(c), n) for c, n in (("logradouro", 255), ("numero", 60), ("bairro", 60))
    )
    completo = rua and numero and bairro and endereco.get("codigo_municipio") and endereco.get("cep")
    exigido = endereco_exigido(documento, retido, no_tomador)
    if exigido and not completo:
        raise DPSRecusada(
            f"falta o endereço do tomador {documento} (CEP, rua, número, bairro e município), que a nota nacional "
            f"exige para {exigido}; complete-o no cadastro do tomador"
        )
    email = _latin1(retrato.get("email"), 80)
    return tc.TcinfoPessoa(
        CNPJ=documento if len(documento) == 14 else None,
        CPF=documento if len(documento) == 11 else None,
        xNome=_xml(retrato["nome"], 300, "o nome do tomador"),
        end=tc.Tcendereco(
            endNac=tc.TcenderNac(cMun=endereco["codigo_municipio"], CEP=endereco["cep"]),
            xLgr=rua,
            nro=numero,
            xCpl=_latin1(endereco.get("complemento"), 156),
            xBairro=bairro,
        )
        if completo
        else None,
        email=email if email and EMAIL.fullmatch(email) else None,
    )


def _prestador(empresa: Empresa) -> tc.TcinfoPrestador:
    """CNPJ, IM and regime only: with the prestador as emitente, name and address come from the national
    registry (CNC), as in nfelib's samples dps-simples.xml and dps-regime-normal.xml."""
    if empresa.inscricao_municipal and len(empresa.inscricao_municipal) > 15:
        raise DPSRecusada("a inscrição municipal da empresa tem mais de 15 caracteres, o limite do leiaute nacional")
    especial = empresa.regime_especial or RegimeEspecial.NENHUM
    simples = empresa.regime is Regime.SIMPLES_NACIONAL
    proibido = regras_nacionais.regime_especial_proibido(empresa.regime, empresa.apuracao_simples, especial)
    if proibido:
        raise DPSRecusada(f"{proibido}; corrija o regime especial no cadastro da empresa")
    return tc.TcinfoPrestador(
        CNPJ=empresa.cnpj,
        IM=empresa.inscricao_municipal or None,
        regTrib=tc.TcregTrib(
            opSimpNac=REGIMES[empresa.regime],
            regApTribSN=APURACOES[empresa.apuracao_simples or 1] if simples else None,
            regEspTrib=REGIMES_ESPECIAIS[especial],
        ),
    )


def _servico(nota: NFSe, empresa: Empresa, servico: ServicoEmpresa) -> tc.Tcserv:
    codigo = servico.codigo_tributacao_nacional
    if not codigo:
        raise DPSRecusada(
            f"o serviço {servico.codigo_servico} não tem o código de tributação nacional (cTribNac, 6 dígitos); "
            "informe-o no perfil fiscal da empresa"
        )
    if codigo in SERVICOS_COM_OBRA or codigo.startswith("12"):
        grupo = "da obra (regra E0370)" if codigo in SERVICOS_COM_OBRA else "do evento (regra E0390)"
        raise DPSRecusada(
            f"o código de tributação nacional {codigo} exige na nota os dados {grupo}, que o AgentNFe ainda não "
            "envia; emita esta nota no Emissor Nacional (www.nfse.gov.br)"
        )
    if codigo == SEM_INCIDENCIA:
        raise DPSRecusada(
            "o código 99.01.01 é de serviço sem incidência de ISS e ICMS (regra E0532), que o AgentNFe não emite; "
            "escolha o código de tributação nacional do serviço prestado"
        )
    municipal = servico.codigo_tributacao_municipal or None
    if municipal is not None and not re.fullmatch(r"[0-9]{3}", municipal):
        raise DPSRecusada(
            f"o código de tributação municipal {municipal!r} do serviço {servico.codigo_servico} não cabe no leiaute "
            "nacional (3 dígitos); corrija-o no perfil fiscal ou deixe-o vazio se o município não o exige"
        )
    return tc.Tcserv(
        locPrest=tc.TclocPrest(cLocPrestacao=nota.codigo_municipio_prestacao or empresa.codigo_municipio),
        cServ=tc.Tccserv(
            cTribNac=servico.codigo_tributacao_nacional,
            cTribMun=municipal,
            xDescServ=_xml(nota.descricao, 2000, "a descrição do serviço"),
            cNBS=servico.nbs or None,
        ),
    )


def _total(carga: carga_tributaria.Carga) -> tc.TctribTotal:
    """totTrib, one choice of the layout per regime (fiscal/carga_tributaria.py)."""
    if carga.simples is not None:
        return tc.TctribTotal(pTotTribSN=_valor(carga.simples))
    if carga.percentuais:
        return tc.TctribTotal(
            pTotTrib=tc.TctribTotalPercent(
                pTotTribFed=_valor(carga.federais), pTotTribEst=_valor(carga.estaduais),
                pTotTribMun=_valor(carga.municipais),
            )
        )  # fmt: skip
    return tc.TctribTotal(indTotTrib=ts.TstipoIndTotTrib.VALUE_0)


def _valores(nota: NFSe, empresa: Empresa, imposto: ISS, convenio_ativo: bool) -> tc.TcinfoValores:
    """ISS as fiscal/iss.py decides it, written as the national rules allow (fiscal/regras_nacionais.py): the
    withholding, whether the rate goes, and the tax burden of the regime."""
    especial = empresa.regime_especial
    if imposto.retido:
        proibida = regras_nacionais.retencao_proibida(empresa.regime, especial)
        if proibida:
            raise DPSRecusada(proibida)
    contradicao = regras_nacionais.regras_em_conflito(
        empresa.regime, empresa.apuracao_simples, especial, convenio_ativo
    )
    if contradicao:
        raise DPSRecusada(contradicao)
    aliquota = regras_nacionais.aliquota_no_dps(
        empresa.regime, empresa.apuracao_simples, especial, imposto.retido, convenio_ativo, imposto.aliquota
    )
    recusa = regras_nacionais.aliquota_recusada(aliquota, empresa.regime, empresa.apuracao_simples)
    if recusa:
        raise DPSRecusada(recusa)
    try:
        carga = carga_tributaria.da_nota(empresa, imposto.aliquota)
    except carga_tributaria.CargaFaltando as erro:
        raise DPSRecusada(str(erro)) from None
    return tc.TcinfoValores(
        vServPrest=tc.TcvservPrest(vServ=_valor(nota.valor)),
        trib=tc.TcinfoTributacao(
            tribMun=tc.TctribMunicipal(
                tribISSQN=TRIBUTAVEL,
                tpRetISSQN=RETENCAO[imposto.retido],
                pAliq=_valor(aliquota) if aliquota is not None else None,
            ),
            totTrib=_total(carga),
        ),
    )


IBSCBS_SEM_SUPORTE = {
    "tpOper": ("servico", ("2505", "1509", "1712", "1005")),
    "imovel": ("cind_op", ("020101", "020201", "020301")),
    "gLocBensMoveis": ("servico", ("990401",)),
}
"""Anexo VI v1.02.01: services (cTribNac) and operations (cIndOp) whose IBSCBS group needs a subgroup the product
does not write (E0903 tpOper for LC 116 items 25.05, 15.09, 17.12, 10.05; E0931 imovel for real-estate cIndOp;
EXXX gLocBensMoveis for 99.04.01)."""


def _ibscbs(servico: ServicoEmpresa) -> tc.TcrtcinfoIbscbs | None:
    """The 2026 IBS/CBS group, only when the service carries its codes (informational in 2026): a regular note
    (finNFSe 0) whose destinatário is the tomador (indDest 0), not for personal use (indFinal 0)."""
    if not (servico.cst_ibscbs and servico.cclass_trib and servico.cind_op):
        return None
    codigos = {"servico": servico.codigo_tributacao_nacional or "", "cind_op": servico.cind_op}
    for grupo, (campo, prefixos) in IBSCBS_SEM_SUPORTE.items():
        if codigos[campo].startswith(prefixos):
            raise DPSRecusada(
                f"o grupo IBS/CBS deste serviço exige o campo {grupo} (Anexo VI do emissor nacional), que o AgentNFe "
                "ainda não envia; apague o CST, o cClassTrib e o cIndOp do perfil fiscal para emitir sem o grupo"
            )
    return tc.TcrtcinfoIbscbs(
        finNFSe=ts.TsrtcfinNfse.VALUE_0,
        indFinal=ts.TsrtcindFinal.VALUE_0,
        cIndOp=servico.cind_op,
        indDest=ts.TsrtcindDest.VALUE_0,
        valores=tc.TcrtcinfoValoresIbscbs(
            trib=tc.TcrtcinfoTributosIbscbs(
                gIBSCBS=tc.TcrtcinfoTributosSitClas(CST=servico.cst_ibscbs, cClassTrib=servico.cclass_trib)
            )
        ),
    )


BRASILIA = ZoneInfo("America/Sao_Paulo")


def data_de_competencia(competencia: date, dia_da_emissao: date, data_servico: date | None = None) -> date:
    """dCompet, the day of the taxable event ("a data da prestação do serviço", Anexo I v1.00, leiaute DPS): the
    day the user said the service was provided, else the day of issue when the competência is its month, else the
    competência's last day — never after dhEmi (E0015)."""
    if data_servico is not None and data_servico <= dia_da_emissao:
        return data_servico
    if (competencia.year, competencia.month) == (dia_da_emissao.year, dia_da_emissao.month):
        return dia_da_emissao
    ultimo = competencia.replace(day=calendar.monthrange(competencia.year, competencia.month)[1])
    return min(ultimo, dia_da_emissao)


def montar(
    nota: NFSe,
    empresa: Empresa,
    servico: ServicoEmpresa,
    retrato: dict,
    emissao: datetime,
    imposto: ISS,
    convenio_ativo: bool = True,
) -> bytes:
    """The unsigned DPS of a note whose série and number are already allocated; raises DPSRecusada. dhEmi is
    written in Brasília time with its offset, whatever the firm's time zone. `convenio_ativo` says whether the
    incidence município has an active convênio with the national system (it decides pAliq: E0617, E0635)."""
    if not SERIE.fullmatch(nota.serie_dps or "") or not 1 <= int(nota.serie_dps) <= SERIE_MAXIMA:
        raise DPSRecusada(
            f"a série de DPS {nota.serie_dps!r} da empresa não é válida: o emissor nacional aceita de 1 a 49999 "
            "para o aplicativo do contribuinte (regra E0010)"
        )
    no_tomador = incidencia.regra(servico.codigo_tributacao_nacional, servico.codigo_servico)
    no_tomador = no_tomador is incidencia.Regra.TOMADOR
    emissao = emissao.astimezone(BRASILIA)
    competencia = data_de_competencia(nota.competencia, emissao.date(), nota.data_servico)
    documento = dps.Dps(
        versao=VERSAO,
        infDPS=tc.TcinfDps(
            Id=id_dps(nota, empresa),
            tpAmb=AMBIENTES[empresa.ambiente],
            dhEmi=emissao.isoformat(timespec="seconds"),
            verAplic=VERSAO_APLICATIVO,
            serie=str(int(nota.serie_dps)),
            nDPS=str(nota.numero_dps),
            dCompet=competencia.isoformat(),
            tpEmit=ts.TsemitenteDps.VALUE_1,
            cLocEmi=empresa.codigo_municipio,
            prest=_prestador(empresa),
            toma=_pessoa(retrato, imposto.retido, no_tomador),
            serv=_servico(nota, empresa, servico),
            valores=_valores(nota, empresa, imposto, convenio_ativo),
            IBSCBS=_ibscbs(servico),
        ),
    )
    xml = _serializador().render(documento, ns_map={None: NAMESPACE})
    erros = erros_de_esquema(xml.encode())
    if erros:
        raise DPSRecusada("a DPS montada não passa no esquema oficial: " + "; ".join(erros[:3]))
    return xml.encode()


@cache
def _serializador() -> XmlSerializer:
    return XmlSerializer(config=SerializerConfig(xml_declaration=False))


ESQUEMA = Path(nfelib.__file__).parent / "nfse" / "schemas" / "v1_0" / "DPS_v1.01.xsd"
_validando = threading.Lock()


@cache
def _esquema() -> etree.XMLSchema:
    """The official DPS schema (with its includes and the XMLDSig import), loaded once per process."""
    return etree.XMLSchema(etree.parse(str(ESQUEMA)))


def erros_de_esquema(xml: bytes) -> list[str]:
    """What the official XSD finds wrong in a DPS (empty when valid); a signed DPS is checked with its signature."""
    with _validando:  # a schema's error log is shared by every validation that uses it
        esquema = _esquema()
        if esquema.validate(etree.fromstring(xml)):
            return []
        return [f"{erro.path}: {erro.message}" for erro in esquema.error_log]
