"""import-empresas with the contract CSV: good rows land, bad rows are reported, re-import is idempotent."""

from decimal import Decimal

import sqlalchemy as sa

from agentnfe.models import Contabilidade, Empresa, Regime, UsuarioEmpresa

from . import factories

HEADER = "contabilidade,cnpj,razao_social,inscricao_municipal,codigo_municipio,uf,regime,codigo_servico,aliquota_iss,telefones"
ALFA = "11.222.333/0001-81"
BETA = factories.novo_cnpj()
GAMA = factories.novo_cnpj()


def write(tmp_path, *lines, bom=False, name="empresas.csv"):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run_import(runner, path):
    return runner.invoke(args=["import-empresas", path])


def empresa(session, cnpj):
    return session.scalar(
        sa.select(Empresa).where(Empresa.cnpj == cnpj.replace(".", "").replace("/", "").replace("-", ""))
    )


def test_good_file_creates_firms_empresas_profiles_and_phones(runner, session, tmp_path):
    path = write(
        tmp_path,
        HEADER + ",cep,email,codigo_tributacao_municipal,cnae,iss_retido",
        f'Contábil Alfa,{ALFA},"Alfa Consultoria, Ltda",123.456-7,3550308,SP,simples_nacional,1.07,"2,5",+55 (11) 98765-4321;551187650000,01310-100,fin@alfa.com.br,010701,6201-5/01,sim',
        f"Contábil Alfa,{BETA},Beta ME,998877,3304557,rj,MEI,0107,0,21 99999-0000,,,,,",
        bom=True,
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Contabilidade criada: Contábil Alfa" in result.stdout
    assert "2 empresas criadas, 0 atualizadas, 0 linhas com erro." in result.stdout
    assert result.stderr == ""

    alfa = empresa(session, ALFA)
    assert alfa.contabilidade.nome == "Contábil Alfa"
    assert alfa.razao_social == "Alfa Consultoria, Ltda"
    assert alfa.inscricao_municipal == "1234567"
    assert (alfa.codigo_municipio, alfa.uf, alfa.cep, alfa.email) == ("3550308", "SP", "01310100", "fin@alfa.com.br")
    assert alfa.regime is Regime.SIMPLES_NACIONAL
    [servico] = alfa.servicos
    assert servico.padrao and servico.codigo_servico == "01.07" and servico.aliquota_iss == Decimal("2.5")
    assert servico.iss_retido is True and servico.cnae == "6201501" and servico.codigo_tributacao_municipal == "010701"
    assert [t.telefone for t in alfa.telefones] == ["5511987654321", "5511987650000"]

    beta = empresa(session, BETA)
    assert beta.regime is Regime.MEI and beta.uf == "RJ"
    assert beta.servicos[0].aliquota_iss == 0
    assert [t.telefone for t in beta.telefones] == ["5521999990000"]


def test_bad_rows_are_reported_by_line_and_good_rows_committed(runner, session, tmp_path):
    outra = factories.contabilidade(session, "Outra Firma")
    factories.empresa(session, outra, cnpj=GAMA.replace(".", "").replace("/", "").replace("-", ""))
    session.commit()
    path = write(
        tmp_path,
        HEADER,
        f"Alfa,{ALFA},Alfa Ltda,123,3550308,SP,simples_nacional,01.07,2,11987654321",  # 2: good
        "Alfa,43.268.432/0001-91,Errada Ltda,123,3550308,SP,simples_nacional,01.07,2,11987654321",  # 3
        f"Alfa,{BETA},Beta Ltda,123,3550308,RJ,simples_nacional,01.07,2,11987654321",  # 4
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples,01.07,2,11987654321",  # 5
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,99.99,2,11987654321",  # 6
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,7,11987654321",  # 7
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,0,11987654321",  # 8
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,2,11987654321;123",  # 9
        f"Alfa,{GAMA},Gama Ltda,123,3550308,SP,lucro_real,01.07,2,",  # 10: another firm's CNPJ
        f"Alfa,{ALFA},Alfa de novo,123,3550308,SP,simples_nacional,01.07,2,",  # 11: repeated in file
        f",{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,2,",  # 12
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,2",  # 13: a column short
        "",
        f"Alfa,{BETA},,123,3550308,SP,simples_nacional,01.07,2,",  # 15
    )
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert "1 empresas criadas, 0 atualizadas, 12 linhas com erro." in result.stdout
    errors = result.stderr.splitlines()
    assert errors == [
        "linha 3: O CNPJ 43.268.432/0001-91 é inválido, confira os dígitos.",
        "linha 4: código de município 3550308 não pertence a RJ.",
        "linha 5: regime 'simples' inválido (use simples_nacional, lucro_presumido, lucro_real, mei)",
        "linha 6: código de serviço '99.99' inválido (use o item da LC 116, ex. 01.07).",
        "linha 7: alíquota de ISS '7' fora do intervalo de 0 a 5%.",
        "linha 8: alíquota de ISS 0 só vale para MEI.",
        "linha 9: 123: não é um telefone válido (use DDD e número, ex. 11 98765-4321).",
        f"linha 10: o CNPJ {GAMA.replace('.', '').replace('/', '').replace('-', '')} não está disponível: já é cadastrado por outra contabilidade",
        "linha 11: CNPJ repetido no arquivo (já na linha 2)",
        "linha 12: contabilidade está vazio",
        "linha 13: a linha tem menos colunas que o cabeçalho",
        "linha 15: razao_social está vazio",
    ]
    assert empresa(session, ALFA) is not None
    assert empresa(session, BETA) is None
    assert session.scalar(sa.select(sa.func.count(UsuarioEmpresa.id))) == 1  # nothing of a bad row


def test_reimport_is_idempotent_and_replaces_the_phone_list(runner, session, tmp_path):
    first = write(
        tmp_path, HEADER, f"Alfa,{ALFA},Alfa Ltda,123,3550308,SP,simples_nacional,01.07,2,11987654321;11911112222"
    )
    assert run_import(runner, first).exit_code == 0
    again = run_import(runner, first)
    assert again.exit_code == 0
    assert "0 empresas criadas, 1 atualizadas" in again.stdout
    assert "Contabilidade criada" not in again.stdout
    assert session.scalar(sa.select(sa.func.count(Empresa.id))) == 1
    assert session.scalar(sa.select(sa.func.count(Contabilidade.id))) == 1

    alfa = empresa(session, ALFA)
    mantido = next(t for t in alfa.telefones if t.telefone == "5511987654321")
    mantido.nome = "Dona Ana"
    session.commit()
    second = write(
        tmp_path,
        HEADER,
        f"ALFA,{ALFA},Alfa Serviços Ltda,123,3304557,RJ,lucro_presumido,17.01,3,11 98765-4321;21 93333-4444",
        name="segunda.csv",
    )
    result = run_import(runner, second)
    assert result.exit_code == 0, result.output
    session.expire_all()
    alfa = empresa(session, ALFA)
    assert alfa.razao_social == "Alfa Serviços Ltda" and alfa.uf == "RJ" and alfa.regime is Regime.LUCRO_PRESUMIDO
    assert [(t.telefone, t.nome) for t in alfa.telefones] == [("5511987654321", "Dona Ana"), ("5521933334444", None)]
    assert len(alfa.servicos) == 1 and alfa.servicos[0].codigo_servico == "17.01"
    assert session.scalar(sa.select(sa.func.count(UsuarioEmpresa.id))) == 2


def test_header_errors_import_nothing(runner, session, tmp_path):
    path = write(tmp_path, "contabilidade,cnpj,razao_social", f"Alfa,{ALFA},Alfa")
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert "linha 1: faltam as colunas inscricao_municipal, codigo_municipio" in result.stderr
    path = write(tmp_path, HEADER + ",aliquota", f"Alfa,{ALFA},Alfa,1,3550308,SP,mei,01.07,0,,2")
    result = run_import(runner, path)
    assert result.exit_code == 1 and "colunas desconhecidas aliquota" in result.stderr
    assert session.scalar(sa.select(sa.func.count(Empresa.id))) == 0


def test_an_excel_file_in_windows_1252_is_read_with_a_note(runner, tmp_path, session):
    path = tmp_path / "excel.csv"
    path.write_bytes((HEADER.replace(",", ";") + f"\nContábil Ação;{ALFA};Serviços Ação;1;3550308;SP;mei;01.07;0;\n")
                     .encode("cp1252"))  # fmt: skip
    result = run_import(runner, str(path))
    assert result.exit_code == 0, result.output
    assert "foi lido como Windows-1252" in result.stderr
    assert session.scalar(sa.select(Empresa.razao_social).where(Empresa.cnpj == "11222333000181")) == "Serviços Ação"


def test_a_file_that_is_not_text_is_refused(runner, tmp_path):
    path = tmp_path / "binario.csv"
    path.write_bytes(b"\x81\x8d\x8f\x90\x9d" * 10)
    result = run_import(runner, str(path))
    assert result.exit_code == 1
    assert "não é um CSV de texto" in result.output


def test_missing_file(runner):
    result = run_import(runner, "/nao/existe.csv")
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_line_numbers_count_physical_lines(runner, tmp_path):
    path = write(
        tmp_path,
        HEADER,
        f'Alfa,{ALFA},"Alfa\nConsultoria",1,3550308,SP,mei,01.07,0,',
        "",
        f"Alfa,{BETA},Beta,1,3550308,SP,mei,01.07,0,999",
    )
    result = run_import(runner, path)
    assert result.stderr.splitlines() == [
        "linha 5: 999: não é um telefone válido (use DDD e número, ex. 11 98765-4321)."
    ]


def test_the_fiscal_columns_are_imported_with_the_same_rules_as_the_admin(runner, session, tmp_path):
    extras = "logradouro;numero;complemento;bairro;cep;codigo_tributacao_nacional;regime_especial;aliquota_simples_iss"
    path = write(
        tmp_path,
        HEADER.replace(",", ";") + ";" + extras,
        f"Alfa;{ALFA};Alfa Ltda;123;3550308;SP;simples_nacional;01.07;2,5;11987654321;Rua A;10;sala 2;Centro;01310-100;01.07.01;me_epp_simples;1,87",
        f"Alfa;{BETA};Beta Ltda;123;3550308;SP;lucro_presumido;01.07;2;;Rua B;20;;Centro;01310100;;;1,87",
        f"Alfa;{GAMA};Gama Ltda;123;3550308;SP;lucro_real;01.07;1,5;;Rua C;30;;Centro;01310100;;;",
        f"Alfa;{factories.novo_cnpj()};Delta Ltda;123;3550308;SP;lucro_real;01.07;2;;Rua D;40;;Centro;01310100;170101;;",
        f"Alfa;{factories.novo_cnpj()};Épsilon ME;123;3550308;SP;mei;01.07;0;;Rua E;50;;Centro;01310100;;cooperativa;",
    )  # semicolon-separated, detected from the header
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "linha 3: alíquota efetiva do Simples só se aplica a empresas do Simples Nacional (não MEI)",
        "linha 4: alíquota de ISS '1,5' abaixo do mínimo de 2% (LC 116, art. 8-A); só os itens 7.02, 7.05 e 16.01 "
        "podem ter menos. No Simples, a alíquota efetiva vai em aliquota_simples_iss.",
        "linha 5: código de tributação nacional 170101 não corresponde ao item 01.07 da LC 116.",
        'linha 6: o regime especial deve ser "Nenhum" quando o prestador é MEI (regra E0174 do emissor nacional)',
    ]
    alfa = empresa(session, ALFA)
    assert (alfa.logradouro, alfa.numero, alfa.complemento, alfa.bairro, alfa.cep) == (
        "Rua A",
        "10",
        "sala 2",
        "Centro",
        "01310100",
    )
    assert alfa.regime_especial.value == "me_epp_simples" and alfa.aliquota_simples_iss == Decimal("1.87")
    assert alfa.servicos[0].codigo_tributacao_nacional == "010701"


def test_a_mei_import_gets_the_mei_special_regime(runner, session, tmp_path):
    path = write(tmp_path, HEADER, f"Alfa,{ALFA},Alfa MEI,1,3550308,SP,mei,01.07,0,")
    assert run_import(runner, path).exit_code == 0
    assert empresa(session, ALFA).regime_especial.value == "mei"


def test_a_file_moves_empresas_to_the_national_emissor_with_their_dps_sequence(runner, session, tmp_path):
    from agentnfe.models import NomeGateway

    path = write(
        tmp_path,
        HEADER + ",codigo_tributacao_nacional,gateway,serie_dps,numero_dps,cind_op",
        f"Contábil Alfa,{ALFA},Alfa,123,3550308,SP,simples_nacional,1.07,2,11987654321,010701,nacional,7,1200,100301",
        f"Contábil Alfa,{BETA},Beta,456,3550308,SP,simples_nacional,1.07,2,11987654322,010701,sefaz,1,1,",
    )
    result = run_import(runner, path)
    assert result.exit_code == 1 and "linha 3" in result.stderr and "gateway 'sefaz' inválido" in result.stderr
    alfa = empresa(session, ALFA)
    assert (alfa.gateway, alfa.serie_dps, alfa.numero_dps) == (NomeGateway.NACIONAL, "7", 1200)
    assert alfa.servicos[0].cind_op == "100301"
    assert empresa(session, BETA) is None


def test_the_national_columns_are_imported_and_a_special_regime_the_rules_forbid_is_a_bad_row(
    runner, session, tmp_path
):
    colunas = ",regime_especial,aliquota_simples_total,apuracao_simples,percentual_tributos_federais"
    path = write(
        tmp_path,
        HEADER + colunas,
        f'Alfa,{ALFA},Alfa Ltda,123,3550308,SP,simples_nacional,01.07,2,11 98765-4321,nenhum,"15,5",1,',
        f"Alfa,{BETA},Beta Ltda,123,3550308,SP,simples_nacional,01.07,2,11 98765-4322,sociedade_profissionais,6,1,",
        f'Alfa,{GAMA},Gama Ltda,123,3550308,SP,lucro_presumido,01.07,2,11 98765-4323,notario_registrador,,,"13,45"',
    )
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'linha 3: o regime especial deve ser "Nenhum" quando o prestador é optante do Simples Nacional ME/EPP e '
        "apura os tributos federais e o ISS pelo Simples (regApTribSN 1) — regra E0175 do emissor nacional"
    ]
    alfa, gama = empresa(session, ALFA), empresa(session, GAMA)
    assert (alfa.aliquota_simples_total, alfa.apuracao_simples) == (Decimal("15.5"), 1)
    assert gama.percentual_tributos_federais == Decimal("13.45") and gama.regime_especial.value == "notario_registrador"
    assert empresa(session, BETA) is None


def test_headers_match_ignoring_case_accents_spaces_and_the_admins_labels(runner, session, tmp_path):
    path = write(
        tmp_path,
        "Contabilidade;CNPJ;Razão Social;Inscrição Municipal;Código Município;uf;REGIME;Código Serviço;Alíquota do ISS (%);"
        "telefones;Razao social",
        f"Alfa;{ALFA};Alfa Ltda;123;3550308;SP;mei;01.07;0;11 98765-4321;Outra",
    )
    repetida = run_import(runner, path)
    assert repetida.exit_code == 1 and "colunas repetidas razao_social" in repetida.output
    path = write(
        tmp_path,
        "Contabilidade;CNPJ;Razão Social;Inscrição Municipal;Código Município;uf;REGIME;Código Serviço;Alíquota do ISS (%);"
        "telefones",
        f"Alfa;{ALFA};Alfa Ltda;123;3550308;SP;mei;01.07;0;11 98765-4321",
        name="rotulos.csv",
    )
    resultado = run_import(runner, path)
    assert resultado.exit_code == 0, resultado.output
    assert empresa(session, ALFA).razao_social == "Alfa Ltda"
