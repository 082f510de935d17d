"""The business rules the fake Sefin applies to a DPS, each written from the rule's own text and reading only the
XML — never the product's builder or its fiscal tables.

Sources: Anexo I do Sistema Nacional NFS-e v1.00 (16/12/2025), sheet "RN DPS_NFS-e"; Anexo VI v1.02.01 (IBS/CBS),
sheet of DPS rules, where 28 rules still carry the placeholder code EXXX (kept here with the rule's text); E0713 is
not in Anexo I: it is the production rejection of `indTotTrib` for a não optante reported in github
nfse-nacional/nfse-php#34. The description returned is the rule's message ("MSG. ERRO") where Anexo I has one.

Rules that depend on registries and municipal parameters (convênio and its activation date, the Simples situation,
the CNC's inscrições municipais, the regimes especiais a município admits) read `Registros`, the fake's own tables,
which tests fill like fixtures. What is not here (rules on groups the product never writes: obra's address,
deductions, benefits, foreign parties, intermediário, substituição; and registry checks without a table here: CEP
belongs to the município, CPF/CNPJ exist at the Receita, NBS list) is listed in NAO_COBERTAS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

NS = "{http://www.sped.fazenda.gov.br/nfse}"
RAIZ = Path(__file__).resolve().parent.parent
DADOS = Path(__file__).with_name("data") / "sefin"


def _tsv(caminho: Path, cabecalho: bool = True) -> list[list[str]]:
    """The rows of a data file, without its comment lines and its header line."""
    linhas = [linha for linha in caminho.read_text(encoding="utf-8").splitlines() if linha and linha[0] != "#"]
    return [linha.split("\t") for linha in linhas[1 if cabecalho else 0 :]]


@functools.cache
def municipios() -> frozenset[str]:
    """IBGE codes (the official list the product also ships: agentnfe/fiscal/municipios.tsv, data only)."""
    return frozenset(codigo for codigo, *_ in _tsv(RAIZ / "agentnfe" / "fiscal" / "municipios.tsv", cabecalho=False))


@functools.cache
def incidencia_por_servico() -> dict[str, str]:
    """Anexo I "MUN.INCID_INFO.SERV." (the data file the product ships; its header names the source)."""
    return {codigo: regra for codigo, regra in _tsv(RAIZ / "agentnfe" / "fiscal" / "incidencia.tsv")}


@functools.cache
def indicadores_de_operacao() -> frozenset[str]:
    return frozenset(codigo for codigo, *_ in _tsv(DADOS / "cindop.tsv"))


@functools.cache
def classificacoes() -> dict[str, str]:
    """cClassTrib → its CST (Anexo VI "CST x cClassTrib")."""
    return {cclass: cst for cst, cclass in _tsv(DADOS / "cst_cclasstrib.tsv")}


@dataclass
class Contribuinte:
    """What the national registries say of a prestador."""

    opcao_simples: str = "1"
    """The Simples Nacional registry at the competência: 1 não optante, 2 MEI, 3 ME/EPP."""
    inscricoes: dict[str, str] = field(default_factory=dict)
    """CNC complementary records: município → inscrição municipal."""
    inscrito_em: date = date(2000, 1, 1)
    """Date of the CNPJ's inscription (E0018)."""


@dataclass
class Convenio:
    """A município's convênio with the national system and its parameters (`/parametros_municipais`)."""

    ativo: bool = True
    desde: date = date(2023, 1, 1)
    emissores_nacionais: bool = True
    """Whether the município lets its taxpayers use the national emitters (E0039)."""
    regimes_especiais: frozenset[str] = frozenset("01234569")
    """regEspTrib values the município admits (E0177)."""
    aliquota: Decimal = Decimal("3.00")
    """The município's ISS rate of every service (`/parametros_municipais/{cMun}/{cServ}`), applied when the DPS
    carries no pAliq."""


@dataclass
class Registros:
    contribuintes: dict[str, Contribuinte] = field(default_factory=dict)
    convenios: dict[str, Convenio] = field(default_factory=dict)
    ambiente: str = "2"
    """tpAmb of this Sefin: 2, produção restrita."""

    def convenio_ativo(self, municipio: str | None, competencia: date) -> bool:
        convenio = self.convenios.get(municipio or "")
        return bool(convenio and convenio.ativo and convenio.desde <= competencia)


class Dps:
    """Read access to a DPS's fields by their layout paths (`prest/regTrib/opSimpNac`)."""

    def __init__(self, raiz, registros: Registros, processamento: datetime):
        self.inf = raiz.find(f"{NS}infDPS")
        self.registros, self.processamento = registros, processamento

    def __getitem__(self, caminho: str) -> str | None:
        elemento = self.no(caminho)
        return None if elemento is None else (elemento.text or "")

    def no(self, caminho: str):
        return self.inf.find("/".join(NS + parte for parte in caminho.split("/")))

    def tem(self, caminho: str) -> bool:
        return self.no(caminho) is not None

    def decimal(self, caminho: str) -> Decimal | None:
        valor = self[caminho]
        return None if valor is None else Decimal(valor)

    @property
    def emissao(self) -> datetime:
        return datetime.fromisoformat(self["dhEmi"])

    @property
    def competencia(self) -> date:
        return date.fromisoformat(self["dCompet"])

    @property
    def opcao(self) -> str:
        return self["prest/regTrib/opSimpNac"]

    @property
    def mei(self) -> bool:
        return self.opcao == "2"

    @property
    def apuracao(self) -> str | None:
        return self["prest/regTrib/regApTribSN"]

    @property
    def especial(self) -> str:
        return self["prest/regTrib/regEspTrib"]

    @property
    def trib_issqn(self) -> str:
        return self["valores/trib/tribMun/tribISSQN"]

    @property
    def retido(self) -> bool:
        return self["valores/trib/tribMun/tpRetISSQN"] in ("2", "3")

    @property
    def aliquota(self) -> Decimal | None:
        return self.decimal("valores/trib/tribMun/pAliq")

    @property
    def servico(self) -> str:
        return self["serv/cServ/cTribNac"] or ""

    @property
    def prestador(self) -> Contribuinte:
        return self.registros.contribuintes.get(self["prest/CNPJ"] or self["prest/CPF"] or "", Contribuinte())

    @property
    def municipio_de_incidencia(self) -> str | None:
        """LC 116 art. 3º by the service's rule (Anexo I MUN.INCID_INFO.SERV.): EP the prestador's município (the
        emitter's, cLocEmi), LP the place of service, ET the tomador's; none for "-"."""
        regra = incidencia_por_servico().get(self.servico, "EP")
        return {
            "EP": self["cLocEmi"],
            "LP": self["serv/locPrest/cLocPrestacao"] or self["cLocEmi"],
            "ET": self["toma/end/endNac/cMun"],
        }.get(regra)

    @property
    def incidencia_ativa(self) -> bool:
        return self.registros.convenio_ativo(self.municipio_de_incidencia, self.competencia)


@dataclass(frozen=True)
class Regra:
    codigo: str
    mensagem: str
    violada: Callable[[Dps], bool]


REGRAS: list[Regra] = []


def regra(codigo: str, mensagem: str):
    def registrar(funcao: Callable[[Dps], bool]) -> Callable[[Dps], bool]:
        REGRAS.append(Regra(codigo, mensagem, funcao))
        return funcao

    return registrar


def conferir(raiz, registros: Registros, processamento: datetime) -> list[tuple[str, str]]:
    """Every rule the DPS breaks, as (code, message), in the order of the rulebook."""
    dps = Dps(raiz, registros, processamento)
    return [(r.codigo, r.mensagem) for r in REGRAS if r.violada(dps)]


def _dv_cnpj(cnpj: str) -> bool:
    """E0188's check digits, by python-stdnum (not the product's code); a number of one repeated digit is refused."""
    return len(cnpj) == 14 and cnpj.isdigit() and len(set(cnpj)) > 1 and stdnum_cnpj.is_valid(cnpj)


def _dv_cpf(cpf: str) -> bool:
    """E0206's check digits, by python-stdnum; a number of one repeated digit is refused."""
    return len(cpf) == 11 and cpf.isdigit() and len(set(cpf)) > 1 and stdnum_cpf.is_valid(cpf)


def _email_sem_estrutura(valor: str | None) -> bool:
    if valor is None:
        return False
    usuario, arroba, dominio = valor.partition("@")
    return not (usuario and arroba and "." in dominio.strip(".") and " " not in valor)


# ---- Anexo I, RN DPS_NFS-e: identification, dates, emitter -------------------------------------------------


@regra("E0004", "Identificador da DPS difere da concatenação dos campos correspondentes.")
def _id(d: Dps) -> bool:
    inscricao = d["prest/CNPJ"] or (d["prest/CPF"] or "").zfill(14)
    tipo = "2" if d.tem("prest/CNPJ") else "1"
    esperado = f"DPS{d['cLocEmi']}{tipo}{inscricao}{int(d['serie']):05d}{int(d['nDPS']):015d}"
    return d.inf.get("Id") != esperado


@regra("E0006", "Ambiente informado diverge do ambiente de recebimento para o qual o emitente enviou a DPS.")
def _ambiente(d: Dps) -> bool:
    return d["tpAmb"] != d.registros.ambiente


@regra("E0008", "A data e hora de emissão da DPS deve ser anterior ou igual à data do seu processamento.")
def _futura(d: Dps) -> bool:
    return d.emissao > d.processamento


@regra("E0010", "A série informada na DPS não pertence à faixa definida para o tipo de emissor utilizado.")
def _serie(d: Dps) -> bool:
    # Anexo I, leiaute DPS, serie: "00001 a 49999 - Emissão com aplicativo próprio"
    return not 1 <= int(d["serie"]) <= 49999


@regra("E0015", "A data de competência informada na DPS não pode ser posterior à data de emissão da DPS.")
def _competencia(d: Dps) -> bool:
    return d.competencia > d.emissao.date()


@regra("E0016", "A data de competência deve ser igual ou posterior à data de ativação do convênio do município.")
def _antes_do_convenio(d: Dps) -> bool:
    convenio = d.registros.convenios.get(d["cLocEmi"])
    return not d.mei and convenio is not None and d.competencia < convenio.desde


@regra("E0018", "A data de competência deve ser igual ou posterior à data de inscrição do CNPJ do emitente.")
def _antes_do_cnpj(d: Dps) -> bool:
    return d.competencia < d.prestador.inscrito_em


@regra("E0037", "O município emissor informado na DPS não existe no cadastro de convênio municipal.")
def _sem_convenio(d: Dps) -> bool:
    return not d.mei and d["cLocEmi"] not in d.registros.convenios


@regra("E0038", "A situação do convênio do município emissor informado na DPS não está ATIVO.")
def _convenio_inativo(d: Dps) -> bool:
    convenio = d.registros.convenios.get(d["cLocEmi"])
    return not d.mei and convenio is not None and not convenio.ativo


@regra("E0039", "O município emissor não está parametrizado para utilizar os emissores públicos nacionais.")
def _sem_emissor_nacional(d: Dps) -> bool:
    convenio = d.registros.convenios.get(d["cLocEmi"])
    return not d.mei and convenio is not None and convenio.ativo and not convenio.emissores_nacionais


@regra("E9996", "DPS emitida pelo tomador ou intermediário não é aceita.")
def _emitente(d: Dps) -> bool:
    return d["tpEmit"] in ("2", "3")


# ---- prestador ---------------------------------------------------------------------------------------------


@regra("E0116", "A IM deve ser informada para o emitente prestador do serviço na DPS, conforme o CNC NFS-e.")
def _im_faltando(d: Dps) -> bool:
    return not d.mei and d["cLocEmi"] in d.prestador.inscricoes and not d.tem("prest/IM")


@regra("E0119", "IM do emitente prestador não está autorizado a emitir NFS-e, conforme o CNC NFS-e do município.")
def _im_diferente(d: Dps) -> bool:
    cadastrada = d.prestador.inscricoes.get(d["cLocEmi"])
    return not d.mei and cadastrada is not None and d.tem("prest/IM") and d["prest/IM"] != cadastrada


@regra("E0120", "A inscrição municipal não deve ser informada: não há cadastro complementar no CNC.")
def _im_sem_cadastro(d: Dps) -> bool:
    return d.tem("prest/IM") and d["cLocEmi"] not in d.prestador.inscricoes


@regra("E0121", "O nome do prestador não deve ser informado quando ele é o emitente da DPS.")
def _nome_do_prestador(d: Dps) -> bool:
    return d["tpEmit"] == "1" and d.tem("prest/xNome")


@regra("E0128", "O endereço do prestador não deve ser informado quando ele é o emitente da DPS.")
def _endereco_do_prestador(d: Dps) -> bool:
    return d["tpEmit"] == "1" and d.tem("prest/end")


@regra("E0148", "Email deve ser informado conforme estrutura (conter @, ponto etc.).")
def _email_do_prestador(d: Dps) -> bool:
    return _email_sem_estrutura(d["prest/email"])


@regra("E0160", "Opção do Simples Nacional informada não está de acordo com o cadastro Simples Nacional.")
def _opcao_simples(d: Dps) -> bool:
    return d.opcao != d.prestador.opcao_simples


@regra("E0162", "O regime de apuração do Simples não pode ser informado para não optante ou MEI.")
def _apuracao_indevida(d: Dps) -> bool:
    return d.opcao in ("1", "2") and d.apuracao is not None


@regra("E0166", "O regime de apuração do Simples deve ser informado para ME/EPP.")
def _apuracao_faltando(d: Dps) -> bool:
    return d.opcao == "3" and d.apuracao is None


@regra("E0172", "Regime especial deve ser Nenhum quando o serviço é imune, exportação ou não incidência.")
def _especial_sem_tributacao(d: Dps) -> bool:
    return d.trib_issqn in ("2", "3", "4") and d.especial != "0"


@regra("E0174", "O tipo de regime especial de tributação deve ser Nenhum, quando o prestador for MEI.")
def _especial_mei(d: Dps) -> bool:
    return d.mei and d.especial != "0"


@regra("E0175", "O regime especial deve ser Nenhum para ME/EPP com apuração pelo SN (regApTribSN = 1).")
def _especial_simples(d: Dps) -> bool:
    return d.opcao == "3" and d.apuracao == "1" and d.especial != "0"


@regra("E0177", "Regime Especial de Tributação não admitido na parametrização do município de incidência.")
def _especial_nao_admitido(d: Dps) -> bool:
    convenio = d.registros.convenios.get(d.municipio_de_incidencia or "")
    return d.especial != "0" and convenio is not None and d.especial not in convenio.regimes_especiais


# ---- tomador -----------------------------------------------------------------------------------------------


@regra("E0188", "CNPJ informado na DPS é inválido (verificar DV).")
def _cnpj_do_tomador(d: Dps) -> bool:
    return d.tem("toma/CNPJ") and not _dv_cnpj(d["toma/CNPJ"])


@regra("E0202", "Na emissão da NFS-e não é permitido que o prestador do serviço seja igual ao tomador do serviço.")
def _tomador_e_prestador(d: Dps) -> bool:
    return d.tem("toma/CNPJ") and d.tem("prest/CNPJ") and d["toma/CNPJ"][:8] == d["prest/CNPJ"][:8]


@regra("E0204", "Se a DPS indicar retenção pelo tomador, então o tomador deve ser identificado por CNPJ ou CPF.")
def _retencao_sem_tomador(d: Dps) -> bool:
    return d["valores/trib/tribMun/tpRetISSQN"] == "2" and not (d.tem("toma/CNPJ") or d.tem("toma/CPF"))


@regra("E0206", "CPF informado na DPS é inválido (verificar DV).")
def _cpf_do_tomador(d: Dps) -> bool:
    return d.tem("toma/CPF") and not _dv_cpf(d["toma/CPF"])


@regra("E0234", "O endereço do tomador é obrigatório quando a incidência do ISSQN ocorrer no estabelecimento dele.")
def _endereco_incidencia(d: Dps) -> bool:
    return incidencia_por_servico().get(d.servico) == "ET" and not d.tem("toma/end")


@regra("E0235", "Tomador identificado pelo CNPJ: o endereço nacional do tomador deve ser informado.")
def _endereco_cnpj(d: Dps) -> bool:
    return d["tpEmit"] == "1" and d.tem("toma/CNPJ") and not d.tem("toma/end/endNac")


@regra("E0237", "ISSQN retido pelo tomador: o endereço nacional do tomador deve ser informado.")
def _endereco_retencao(d: Dps) -> bool:
    return d["valores/trib/tribMun/tpRetISSQN"] == "2" and d["tpEmit"] != "2" and not d.tem("toma/end/endNac")


@regra("E0238", "O código do município informado para o endereço do tomador do serviço não existe.")
def _municipio_do_tomador(d: Dps) -> bool:
    return d.tem("toma/end/endNac") and d["toma/end/endNac/cMun"] not in municipios()


@regra("E0247", "Email deve ser informado conforme estrutura (conter @, ponto etc.).")
def _email_do_tomador(d: Dps) -> bool:
    return _email_sem_estrutura(d["toma/email"])


# ---- serviço -----------------------------------------------------------------------------------------------


@regra("E0302", "O código do município do local da prestação deve existir na tabela do IBGE ou ser 0000000.")
def _local_da_prestacao(d: Dps) -> bool:
    local = d["serv/locPrest/cLocPrestacao"]
    return local is not None and local != "0000000" and local not in municipios()


@regra("E0310", "Código de tributação nacional inexistente na lista de serviços nacional.")
def _codigo_de_tributacao(d: Dps) -> bool:
    return d.servico not in incidencia_por_servico()


OBRA = {"070201", "070202", "070401", "070501", "070502", "070601", "070602", "070701", "070801", "071701", "071901"}


@regra("E0370", "O grupo de informações de obra é obrigatório para o código de tributação nacional informado.")
def _obra(d: Dps) -> bool:
    return d.servico in OBRA and not d.tem("serv/obra")


@regra("E0390", "O grupo de informações de Atividade/Evento é obrigatório para serviços do item 12.")
def _evento(d: Dps) -> bool:
    return d.servico.startswith("12") and not d.tem("serv/atvEvento")


@regra("E0424", "O valor recebido não deve ser informado quando o prestador ou tomador é o emitente da DPS.")
def _valor_recebido(d: Dps) -> bool:
    return d["tpEmit"] in ("1", "2") and d.tem("valores/vServPrest/vReceb")


@regra("E0532", "Quando o serviço for 99.01.01 não há incidência do ISSQN (tribISSQN = 4).")
def _sem_incidencia(d: Dps) -> bool:
    return d.servico == "990101" and d.trib_issqn != "4"


# ---- ISSQN: withholding and rate ---------------------------------------------------------------------------


@regra("E0580", "Não é permitida retenção do ISSQN quando o serviço é imune, exportação ou não incidência.")
def _retencao_sem_tributacao(d: Dps) -> bool:
    return d.retido and d.trib_issqn in ("2", "3", "4")


@regra("E0583", "Prestador MEI: não é permitido ocorrer retenção do ISSQN (tpRetISSQN tem que ser igual a 1).")
def _retencao_mei(d: Dps) -> bool:
    return d.mei and d.retido


@regra("E0588", "Prestador com regime especial de tributação: não é permitido ocorrer retenção do ISSQN.")
def _retencao_especial(d: Dps) -> bool:
    return d.especial != "0" and d.retido


@regra("E0596", "Para o subitem 220101 não poderá ocorrer retenção do ISSQN.")
def _retencao_pedagio(d: Dps) -> bool:
    return d.servico == "220101" and d.retido


@regra("E0595", "Não é permitido informar alíquota superior a 5%.")
def _aliquota_maxima(d: Dps) -> bool:
    return d.aliquota is not None and d.aliquota > 5


@regra("E0600", "Não é permitido informar alíquota quando o prestador é optante do simples nacional do tipo MEI.")
def _aliquota_mei(d: Dps) -> bool:
    return d.mei and d.aliquota is not None


@regra("E0602", "Não é permitido informar alíquota quando o serviço é imune, exportação ou não incidência.")
def _aliquota_sem_tributacao(d: Dps) -> bool:
    return d.aliquota is not None and d.trib_issqn in ("2", "3", "4")


@regra("E0604", "Não é permitido informar alíquota quando o prestador tiver um regime especial de tributação.")
def _aliquota_especial(d: Dps) -> bool:
    return d.aliquota is not None and d.especial != "0"


@regra("E0617", "Não é permitido informar alíquota para não optante com o município de incidência ATIVO.")
def _aliquota_nao_optante_ativo(d: Dps) -> bool:
    return d.opcao == "1" and d.incidencia_ativa and d.aliquota is not None


@regra(
    "E0619", "É obrigatório informar alíquota para não optante, município de incidência não ATIVO, sem regime especial."
)
def _aliquota_nao_optante_inativo(d: Dps) -> bool:
    return d.opcao == "1" and not d.incidencia_ativa and d.especial == "0" and d.aliquota is None


def _simples_pelo_sn(d: Dps) -> bool:
    return d.opcao == "3" and d.apuracao == "1"


@regra(
    "E0621", "É obrigatório informar alíquota, de pelo menos 1,8%, com ISSQN retido de ME/EPP pelo SN, município ATIVO."
)
def _aliquota_simples_retido_ativo(d: Dps) -> bool:
    exigida = _simples_pelo_sn(d) and d.incidencia_ativa and d.retido
    return exigida and (d.aliquota is None or d.aliquota < Decimal("1.8"))


@regra("E0625", "Não é permitido informar alíquota sem retenção do ISSQN de ME/EPP pelo SN, município ATIVO.")
def _aliquota_simples_sem_retencao_ativo(d: Dps) -> bool:
    return _simples_pelo_sn(d) and d.incidencia_ativa and not d.retido and d.aliquota is not None


@regra(
    "E0628",
    "É obrigatório informar alíquota, de pelo menos 1,8%, com ISSQN retido de ME/EPP pelo SN, município não ATIVO.",
)
def _aliquota_simples_retido_inativo(d: Dps) -> bool:
    exigida = _simples_pelo_sn(d) and not d.incidencia_ativa and d.retido
    return exigida and (d.aliquota is None or d.aliquota < Decimal("1.8"))


@regra("E0631", "Não é permitido informar alíquota sem retenção do ISSQN de ME/EPP pelo SN, município não ATIVO.")
def _aliquota_simples_sem_retencao_inativo(d: Dps) -> bool:
    return _simples_pelo_sn(d) and not d.incidencia_ativa and not d.retido and d.aliquota is not None


@regra("E0635", "Não é permitido informar alíquota para ME/EPP com ISSQN fora do SN, município de incidência ativo.")
def _aliquota_sublimite_ativo(d: Dps) -> bool:
    return d.opcao == "3" and d.apuracao in ("2", "3") and d.incidencia_ativa and d.aliquota is not None


@regra("E0640", "É obrigatório informar alíquota para ME/EPP com ISSQN fora do SN, município de incidência não ATIVO.")
def _aliquota_sublimite_inativo(d: Dps) -> bool:
    return d.opcao == "3" and d.apuracao in ("2", "3") and not d.incidencia_ativa and d.aliquota is None


# ---- federal taxes and the approximate tax burden ----------------------------------------------------------


@regra("E0676", "Não é permitido informar tributos federais quando o emitente for MEI.")
def _federais_mei(d: Dps) -> bool:
    return d.mei and d.tem("valores/trib/tribFed")


def _fora_do_intervalo(d: Dps, campo: str, maximo: Decimal | None) -> bool:
    valor = d.decimal(f"valores/trib/totTrib/{campo}")
    teto = maximo if maximo is not None else d.decimal("valores/vServPrest/vServ")
    return valor is not None and not 0 <= valor <= teto


@regra("E0702", "vTotTribFed deve ser igual ou maior que 0 e menor ou igual ao valor do serviço.")
def _vfed(d: Dps) -> bool:
    return _fora_do_intervalo(d, "vTotTrib/vTotTribFed", None)


@regra("E0703", "vTotTribEst deve ser igual ou maior que 0 e menor ou igual ao valor do serviço.")
def _vest(d: Dps) -> bool:
    return _fora_do_intervalo(d, "vTotTrib/vTotTribEst", None)


@regra("E0704", "vTotTribMun deve ser igual ou maior que 0 e menor ou igual ao valor do serviço.")
def _vmun(d: Dps) -> bool:
    return _fora_do_intervalo(d, "vTotTrib/vTotTribMun", None)


@regra("E0706", "pTotTribFed deve ser igual ou maior que 0 e menor ou igual a 100%.")
def _pfed(d: Dps) -> bool:
    return _fora_do_intervalo(d, "pTotTrib/pTotTribFed", Decimal(100))


@regra("E0707", "pTotTribEst deve ser igual ou maior que 0 e menor ou igual a 100%.")
def _pest(d: Dps) -> bool:
    return _fora_do_intervalo(d, "pTotTrib/pTotTribEst", Decimal(100))


@regra("E0708", "pTotTribMun deve ser igual ou maior que 0 e menor ou igual a 100%.")
def _pmun(d: Dps) -> bool:
    return _fora_do_intervalo(d, "pTotTrib/pTotTribMun", Decimal(100))


@regra("E0710", "Emitente MEI: o choice pTotTribSN nunca poderá ser informado.")
def _total_simples_mei(d: Dps) -> bool:
    return d.mei and d.tem("valores/trib/totTrib/pTotTribSN")


@regra("E0712", "Emitente ME/EPP: o choice indTotTrib nunca poderá ser informado.")
def _indicador_simples(d: Dps) -> bool:
    return d.opcao == "3" and d.tem("valores/trib/totTrib/indTotTrib")


@regra("E0713", "Emitente não optante do Simples Nacional: o choice indTotTrib não pode ser informado.")
def _indicador_nao_optante(d: Dps) -> bool:
    return d.opcao == "1" and d.tem("valores/trib/totTrib/indTotTrib")


# ---- Anexo VI: the IBSCBS group, when present --------------------------------------------------------------

IMOVEIS = {"020101", "020201", "020301"}
COM_TPOPER = ("2505", "1509", "1712", "1005")


@regra("E0901", "Código indicador da operação inexistente.")
def _indicador_de_operacao(d: Dps) -> bool:
    return d.tem("IBSCBS") and d["IBSCBS/cIndOp"] not in indicadores_de_operacao()


@regra("E0903", "tpOper deve ser informado para os serviços 25.05, 15.09, 17.12 e 10.05 da LC 116/2003.")
def _tipo_de_operacao(d: Dps) -> bool:
    return d.tem("IBSCBS") and d.servico.startswith(COM_TPOPER) and not d.tem("IBSCBS/tpOper")


@regra("E0910", "O destinatário só deve ser identificado quando indDest for 1.")
def _destinatario(d: Dps) -> bool:
    return d.tem("IBSCBS/dest") and d["IBSCBS/indDest"] != "1"


@regra("E0931", "Se cIndOp for relativo a operações com imóveis, então o grupo imóvel deve ser informado.")
def _imovel(d: Dps) -> bool:
    return d.tem("IBSCBS") and d["IBSCBS/cIndOp"] in IMOVEIS and not d.tem("IBSCBS/imovel")


@regra("EXXX", 'O grupo gLocBensMoveis deve ser informado quando o código de serviço (cTribNac) for "99.04.01".')
def _bens_moveis(d: Dps) -> bool:
    return d.tem("IBSCBS") and d.servico == "990401" and not d.tem("IBSCBS/gLocBensMoveis")


@regra("EXXX", "Código da situação tributária - CST para IBS/CBS deve constar na tabela de códigos publicada.")
def _cst(d: Dps) -> bool:
    cst = d["IBSCBS/valores/trib/gIBSCBS/CST"]
    return cst is not None and cst not in set(classificacoes().values())


@regra(
    "EXXX", "Código da classificação tributária - cClassTrib para IBS/CBS deve constar na tabela de códigos publicada."
)
def _cclass(d: Dps) -> bool:
    cclass = d["IBSCBS/valores/trib/gIBSCBS/cClassTrib"]
    return cclass is not None and cclass not in classificacoes()


@regra("E0959", "Código da classificação tributária - cClassTrib informado não pertence ao grupo do CST informado.")
def _cclass_do_cst(d: Dps) -> bool:
    cclass, cst = d["IBSCBS/valores/trib/gIBSCBS/cClassTrib"], d["IBSCBS/valores/trib/gIBSCBS/CST"]
    return cclass in classificacoes() and classificacoes()[cclass] != cst


def apurar(raiz, registros: Registros) -> str:
    """The values Sefin adds to the NFS-e it generates (Anexo I, leiaute NFS-e: cLocIncid E1305, vBC E1295,
    pAliqAplic, vISSQN E1289 = vBC × pAliqAplic, vTotalRet, vLiq E1508), as XML elements placed before the DPS.
    The rate applied is the DPS's pAliq or else the incidence município's own; a MEI's NFS-e carries only vTotalRet
    and vLiq (E1302), as the production sample in the reference folder shows — and so, here, do a special regime's
    (E1307) and an ME/EPP's whose ISS goes in the DAS (to confirm in produção restrita)."""
    d = Dps(raiz, registros, datetime.now())
    servico = d.decimal("valores/vServPrest/vServ")
    incidencia = d.municipio_de_incidencia
    local = f"<cLocIncid>{incidencia}</cLocIncid>" if incidencia else ""
    pelo_das = d.opcao == "3" and d.apuracao == "1" and not d.retido  # ISS inside the DAS: no rate applies here
    if d.mei or d.especial != "0" or pelo_das:
        return f"{local}<valores><vTotalRet>0.00</vTotalRet><vLiq>{servico:.2f}</vLiq></valores>"
    convenio = registros.convenios.get(incidencia or "")
    aplicada = d.aliquota if d.aliquota is not None else (convenio.aliquota if convenio else Decimal("5.00"))
    iss = (servico * aplicada / 100).quantize(Decimal("0.01"))
    retido = iss if d.retido else Decimal(0)
    return (
        f"{local}<valores><vBC>{servico:.2f}</vBC><pAliqAplic>{aplicada:.2f}</pAliqAplic><vISSQN>{iss:.2f}</vISSQN>"
        f"<vTotalRet>{retido:.2f}</vTotalRet><vLiq>{servico - retido:.2f}</vLiq></valores>"
    )


NAO_COBERTAS = {
    "E0014": "the same DPS twice: the fake server's own table of issued DPS Ids answers it (fake_nacional.py)",
    "E0714/E0718": "signature and certificate: checked by the fake server with XMLDSig (fake_nacional.py)",
    "E0190/E0207": "the tomador's CNPJ/CPF must exist at the Receita: no registry of every document here",
    "E0240": "the tomador's CEP must belong to its município: no CEP table here",
    "E0316": "cNBS must exist in the NBS list: no NBS table here",
    "E0176/E0178": "regimes especiais by service and by parametrized professional: parameters the fake does not model",
    "E0964/E0965/E0971/E0972": "gTribRegular and gDif by cClassTrib/CST indicators: the product never writes them",
    "EXXX cIndOp × cTribNac × NBS": "the relation table is not published in Anexo VI v1.02.01",
}
"""Rules that concern fields the product sends but that the fake does not check, and why."""
