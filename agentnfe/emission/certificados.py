"""A1 certificates (.pfx/.p12): reading, checking against the empresa, storing encrypted, expiry."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, tzinfo

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from agentnfe.cadastros import empresas
from agentnfe.infra import relogio
from agentnfe.infra.extensions import db
from agentnfe.infra.transacao import sem_transacao, transacao

from ..fiscal import formatar_documento
from ..fiscal.documents import cnpj_valido, limpar
from ..models import Certificado, Empresa
from . import pfx_custo
from .avisos import notificar
from .gateways import GatewayIndisponivel, GatewayRecusou, gateway_da_empresa
from .payload import empresa_plugnotas

log = logging.getLogger(__name__)
OID_CNPJ_ICP = x509.ObjectIdentifier("2.16.76.1.3.3")
AVISOS_DIAS = (30, 15, 7)


class CertificadoInvalido(ValueError):
    """The file cannot be used; str() says why in PT-BR."""


class EmpresaIncompleta(ValueError):
    """The gateway cannot register the empresa with the data on file; str() says what is missing in PT-BR."""


@dataclass(frozen=True)
class DadosCertificado:
    titular: str
    cnpj: str
    valido_de: date
    valido_ate: date


def _valor_der(bruto: bytes) -> str:
    """The text inside an otherName value: an OCTET STRING or a string type, possibly [0]-wrapped."""
    while len(bruto) >= 2 and bruto[0] in (0xA0, 0x04, 0x0C, 0x13, 0x16, 0x1E):
        tamanho, inicio = bruto[1], 2
        if tamanho & 0x80:
            bytes_tamanho = tamanho & 0x7F
            tamanho, inicio = int.from_bytes(bruto[2 : 2 + bytes_tamanho], "big"), 2 + bytes_tamanho
        tag, bruto = bruto[0], bruto[inicio : inicio + tamanho]
        if tag != 0xA0:
            break
    return bruto.decode("utf-8", "ignore") if bruto[:1] != b"\x1e" else bruto.decode("utf-16-be", "ignore")


def _cnpj(certificado: x509.Certificate) -> str | None:
    """CNPJ (numeric or alphanumeric) from the ICP-Brasil SAN otherName 2.16.76.1.3.3, else from a CN like
    `RAZAO:CNPJ`."""
    try:
        san = certificado.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    for outro in san.get_values_for_type(x509.OtherName) if san else []:
        if outro.type_id == OID_CNPJ_ICP:
            caracteres = re.sub(r"[^0-9A-Z]", "", limpar(_valor_der(outro.value)))
            if len(caracteres) >= 14 and cnpj_valido(caracteres[:14]):
                return caracteres[:14]
    for atributo in certificado.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        match = re.search(r":\s*([0-9A-Za-z./\-]{14,18})\s*$", str(atributo.value))
        if match and cnpj_valido(limpar(match.group(1))):
            return limpar(match.group(1))
    return None


def ler_pfx(conteudo: bytes, senha: str, hoje: date, fuso: tzinfo) -> DadosCertificado:
    """Open and check an A1 certificate; raises CertificadoInvalido with the reason. Its validity is given as the
    days it begins and ends in `fuso` (the firm's time zone)."""
    if not conteudo or conteudo[:1] != b"\x30":
        raise CertificadoInvalido("O arquivo não é um certificado A1 (.pfx ou .p12).")
    try:
        pfx_custo.conferir(conteudo)
    except pfx_custo.CustoExcessivo as erro:
        log.warning("A1 refused before opening: %s", erro)
        raise CertificadoInvalido(
            "Este arquivo .pfx pede um esforço de abertura muito acima do de qualquer certificado real e foi recusado "
            "sem ser aberto. Exporte o certificado de novo (pelo programa da certificadora ou pelo Windows)."
        ) from None
    except ValueError:
        raise CertificadoInvalido("O arquivo não é um certificado A1 (.pfx ou .p12).") from None
    try:
        _chave, certificado, _cadeia = pkcs12.load_key_and_certificates(conteudo, senha.encode("utf-8"))
    except ValueError:
        raise CertificadoInvalido("Senha do certificado incorreta (ou arquivo .pfx corrompido).") from None
    if certificado is None or _chave is None:
        raise CertificadoInvalido("O arquivo não contém um certificado com chave privada.")
    cnpj = _cnpj(certificado)
    if cnpj is None:
        raise CertificadoInvalido("O certificado não é um e-CNPJ ICP-Brasil: não traz o CNPJ da empresa.")
    valido_ate = certificado.not_valid_after_utc.astimezone(fuso).date()
    if valido_ate < hoje:
        raise CertificadoInvalido(f"O certificado venceu em {valido_ate:%d/%m/%Y}.")
    nomes = certificado.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    titular = str(nomes[0].value).split(":")[0].strip() if nomes else formatar_documento(cnpj)
    valido_de = certificado.not_valid_before_utc.astimezone(fuso).date()
    return DadosCertificado(titular, cnpj, valido_de, valido_ate)


def adicionar(session: Session, empresa: Empresa, conteudo: bytes, senha: str, hoje: date) -> Certificado:
    """Check the certificate belongs to the empresa and store it (file and password encrypted)."""
    dados = ler_pfx(conteudo, senha, hoje, relogio.fuso())
    if dados.cnpj != empresa.cnpj:
        raise CertificadoInvalido(
            f"O certificado é do CNPJ {formatar_documento(dados.cnpj)}, não da empresa {formatar_documento(empresa.cnpj)}."
        )
    certificado = Certificado(
        empresa=empresa,
        arquivo=conteudo,
        senha=senha,
        titular=dados.titular,
        cnpj=dados.cnpj,
        valido_de=dados.valido_de,
        valido_ate=dados.valido_ate,
    )
    session.add(certificado)
    session.flush()
    log.info("A1 certificate stored for empresa %s, valid until %s", empresa.cnpj, dados.valido_ate)
    return certificado


def aviso_de_validade(certificado: Certificado, hoje: date) -> str | None:
    """What the accountant is told at once when a certificate just stored lasts 30 days or less (the daily
    notices say it again at 30, 15 and 7 days): renew it before notes stop."""
    dias = (certificado.valido_ate - hoje).days
    if dias > 30:
        return None
    return (
        f"Atenção: este certificado vence em {dias} dia(s) ({certificado.valido_ate:%d/%m/%Y}); providencie a "
        "renovação para as notas não pararem."
    )


def enviar_ao_gateway(certificado_id: int) -> bool:
    """Upload the certificate to the gateway and register the empresa there (POST the first time, PATCH after).

    Used by the CLI and the admin alike. Returns False when the empresa's gateway takes no certificate (the mock;
    the national API, which is reached with the certificate itself). Raises
    EmpresaIncompleta before any call when the empresa's address is missing, GatewayRecusou or
    GatewayIndisponivel from the gateway. No transaction is open during the calls.
    """
    certificado = db.session.get(Certificado, certificado_id)
    if certificado is None:
        return False
    empresa = certificado.empresa
    gateway = gateway_da_empresa(empresa)
    if not gateway.recebe_certificado:
        db.session.rollback()
        return False
    faltando = empresa.endereco_faltando
    if faltando:
        raise EmpresaIncompleta(
            f"o cadastro de {empresa.razao_social} está incompleto (falta {', '.join(faltando)}): "
            "o gateway não registra a empresa sem o endereço completo"
        )
    arquivo, senha, empresa_id = certificado.arquivo, certificado.senha, empresa.id
    dados, atualizar = empresa_plugnotas(empresa, None), empresa.cadastrada_gateway_em is not None
    sem_transacao()  # end the read transaction before talking to the gateway
    dados["certificado"] = gateway.enviar_certificado(arquivo, senha, f"{dados['cpfCnpj']}.pfx")
    gateway.cadastrar_empresa(dados, atualizar)
    instante = relogio.agora()
    with transacao():
        certificado = db.session.get(Certificado, certificado_id)
        certificado.gateway_id, certificado.enviado_gateway_em = dados["certificado"], instante
        empresas.marcar_cadastrada_no_gateway(empresa_id, instante)
    log.info("certificate %s sent to %s; empresa %s %s", certificado_id, gateway.nome, dados["cpfCnpj"],
             "updated" if atualizar else "registered")  # fmt: skip
    return True


def enviar_ou_avisar(certificado_id: int, ultima_tentativa: bool) -> bool:
    """Send the certificate (admin upload, in a task); a refusal becomes a notice for the accountant.

    Returns False while the gateway is unreachable and more tries remain.
    """
    try:
        enviar_ao_gateway(certificado_id)
    except GatewayIndisponivel as erro:
        db.session.rollback()
        if not ultima_tentativa:
            log.warning("certificate %s not sent yet: %s", certificado_id, erro)
            return False
        motivo = f"o gateway não respondeu ({erro})"
    except (EmpresaIncompleta, GatewayRecusou) as erro:
        db.session.rollback()
        motivo = erro.detalhe() if isinstance(erro, GatewayRecusou) else str(erro)
    else:
        return True
    with transacao():
        empresa = db.session.get(Certificado, certificado_id).empresa
        notificar(
            empresa.contabilidade_id,
            empresa.id,
            "certificado_gateway",
            f"Certificado de {empresa.razao_social} guardado, mas não enviado ao gateway: {motivo}"[:500],
            f"cert-gateway:{certificado_id}:{relogio.agora():%Y%m%d%H%M}",
        )
    log.error("certificate %s of empresa %s not sent to the gateway: %s", certificado_id, empresa.cnpj, motivo)
    return True


def excluir(certificado: Certificado) -> None:
    db.session.delete(certificado)
