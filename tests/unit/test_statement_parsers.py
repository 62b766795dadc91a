"""The statement readers (`adapters.statements`): the sample files of docs/audit/samples read into the
same facts, and hostile files refused with the line and field that are wrong: XML bombs and external
entities (in UTF-8, UTF-16, UTF-32), files of another format than said, huge lines, wrong encodings,
malformed amounts and dates, camt.053 batches that disagree with their entry; sniffing in linear time."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.statements import MAX_LINE_BYTES, parse, sniff
from adapters.statements.camt053 import parse_camt053
from domain.statements import CsvMapping, Direction, InvalidStatement

SAMPLES = Path(__file__).parents[2] / "docs" / "audit" / "samples"
CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def mapping() -> CsvMapping:
    saved = json.loads(sample("csv-mapping.json"))
    return CsvMapping.of(saved["name"], saved["mapping"])


def refused(format: str, data: bytes, csv: CsvMapping | None = None) -> InvalidStatement:
    with pytest.raises(InvalidStatement) as caught:
        parse(format, data, csv)
    return caught.value


# --- the samples -----------------------------------------------------------------------------------


def test_the_camt053_sample() -> None:
    statement = parse("camt053", sample("camt053.xml"))
    assert (statement.statement_ref, statement.currency) == ("2025-03-31-0001", "BRL")
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("15230.00"),
        Decimal("22950.75"),
    )
    assert statement.closing_date == date(2025, 3, 31)
    assert len(statement.lines) == 10
    fee = statement.lines[6]
    assert (fee.external_id, fee.amount, fee.direction) == (
        "BNK-20250331-000107",
        Decimal("45.90"),
        Direction.DEBIT,
    )
    assert fee.description == "Tarifa pacote de servicos 03/2025"
    first = statement.lines[0]
    assert (first.reference, first.counterparty) == ("INV-2025-0311", "Padaria Estrela Ltda")
    assert statement.lines[8].reference is None  # NOTPROVIDED
    assert statement.lines[9].value_date == date(2025, 4, 1)


def test_a_debit_balance_is_negative_and_exact() -> None:
    data = sample("camt053.xml").replace(
        b'<Amt Ccy="BRL">15230.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>',
        b'<Amt Ccy="BRL">12345678901234567.89</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>',
    )
    assert parse("camt053", data).opening_balance == Decimal("-12345678901234567.89")


def test_the_mt940_sample() -> None:
    statement = parse("mt940", sample("mt940.sta"))
    assert (statement.statement_ref, statement.currency, statement.closing_balance) == (
        "STMT20250331",
        "BRL",
        Decimal("18460.00"),
    )
    interest = statement.lines[4]
    assert (interest.value_date, interest.booking_date) == (date(2025, 4, 1), date(2025, 3, 31))
    assert (interest.external_id, interest.reference, interest.direction) == (
        "BNK000110",
        None,
        Direction.CREDIT,
    )


def test_the_ofx_sample() -> None:
    statement = parse("ofx", sample("statement.ofx"))
    assert (statement.currency, statement.opening_balance, statement.closing_balance) == (
        "BRL",
        None,
        Decimal("15709.50"),
    )
    assert statement.closing_date == date(2025, 3, 31)  # the file's local date, not UTC's next day
    fee = statement.lines[2]
    assert (fee.external_id, fee.amount, fee.direction) == (
        "BNK-20250331-000107",
        Decimal("45.90"),
        Direction.DEBIT,
    )
    assert statement.lines[0].counterparty == "Padaria Estrela Ltda"
    assert statement.lines[3].value_date == date(2025, 4, 1)  # DTAVAIL


def test_the_csv_sample_with_its_mapping() -> None:
    statement = parse("csv", sample("statement.csv"), mapping())
    assert [(x.amount, x.direction) for x in statement.lines] == [
        (Decimal("1500.00"), Direction.CREDIT),
        (Decimal("980.00"), Direction.DEBIT),
        (Decimal("45.90"), Direction.DEBIT),
        (Decimal("5.40"), Direction.CREDIT),
    ]


def test_csv_sign_conventions() -> None:
    rows = b"date,amount,dc\n2025-03-31,12.50,D\n2025-03-31,3.00-,C\n"
    column = CsvMapping.of(
        "c", {"columns": {"value_date": "date", "amount": "amount", "direction": "dc"}, "sign": "column"}
    )
    assert [x.direction for x in parse("csv", rows.replace(b"3.00-", b"3.00"), column).lines] == [
        Direction.DEBIT,
        Direction.CREDIT,
    ]
    inverted = CsvMapping.of("i", {"columns": {"value_date": "date", "amount": "amount"}, "sign": "inverted"})
    assert [x.direction for x in parse("csv", rows, inverted).lines] == [Direction.DEBIT, Direction.CREDIT]


@pytest.mark.parametrize(
    ("name", "format"),
    [("camt053.xml", "camt053"), ("mt940.sta", "mt940"), ("statement.ofx", "ofx"), ("statement.csv", None)],
)
def test_sniffing_tells_the_formats_apart(name: str, format: str | None) -> None:
    assert sniff(sample(name)) == format


# --- hostile files ---------------------------------------------------------------------------------


def _laughs() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE Document [{entities}]>'
        f'<Document xmlns="{CAMT}"><BkToCstmrStmt><Stmt><Id>&j;</Id></Stmt></BkToCstmrStmt></Document>'
    ).encode()


def _external_entity() -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<Document xmlns="{CAMT}"><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>'
    ).encode()


@pytest.mark.parametrize("data", [_laughs(), _external_entity()], ids=["billion-laughs", "external-entity"])
def test_dtds_and_entities_are_refused_before_parsing(data: bytes) -> None:
    error = refused("camt053", data)
    assert "DTD" in error.detail and error.issues[0].field == "file"


def test_the_xml_reader_itself_refuses_dtds_without_expanding_or_fetching() -> None:
    """Past the check on the bytes, the camt.053 reader refuses a DTD once parsed (lxml neither expands
    nor fetches entities: resolve_entities=False, no_network), and fast."""
    began = time.perf_counter()
    for data in (_laughs(), _external_entity()):
        with pytest.raises(InvalidStatement) as caught:
            parse_camt053(data)
        assert caught.value.issues[0].field == "file"
    assert "DTD" in caught.value.detail
    assert time.perf_counter() - began < 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-le"])
@pytest.mark.parametrize("data", [_laughs(), _external_entity()], ids=["billion-laughs", "external-entity"])
def test_dtds_are_refused_in_utf16_and_utf32_too(data: bytes, encoding: str) -> None:
    """The bytes of a UTF-16 or UTF-32 document do not spell `<!DOCTYPE`: it is refused once parsed (the
    billion laughs already while parsing: libxml2 stops at its amplification limit)."""
    wide = data.decode().replace('version="1.0"', f'version="1.0" encoding="{encoding.upper()}"')
    error = refused("camt053", wide.encode(encoding))
    assert error.issues[0].field == "file"
    assert ("DTD" if b"SYSTEM" in data else "amplification") in error.detail


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_a_camt053_in_utf16_or_utf32_is_read_like_its_utf8(encoding: str) -> None:
    wide = sample("camt053.xml").decode().encode(encoding)
    assert sniff(wide) == "camt053"
    assert parse("camt053", wide) == parse("camt053", sample("camt053.xml"))
    assert "looks like a camt.053 file" in refused("mt940", wide).detail


def test_an_ofx_with_a_dtd_is_refused() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "http://example.com/">]><OFX></OFX>'
    assert refused("ofx", data).issues[0].field == "file"


@pytest.mark.parametrize(
    ("format", "name", "says"),
    [
        ("camt053", "mt940.sta", "looks like an MT940 file"),
        ("camt053", "statement.ofx", "looks like an OFX file"),
        ("mt940", "camt053.xml", "looks like a camt.053 file"),
        ("ofx", "camt053.xml", "looks like a camt.053 file"),
        ("csv", "camt053.xml", "looks like a camt.053 file"),
        ("mt940", "statement.csv", "no opening balance"),
        ("ofx", "statement.csv", "header is malformed"),
        ("camt053", "statement.csv", ""),
    ],
)
def test_a_file_of_another_format_is_refused(format: str, name: str, says: str) -> None:
    error = refused(format, sample(name), mapping())
    assert error.issues[0].field == "file" and says in error.detail


def test_xml_that_is_not_camt053_is_refused() -> None:
    data = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"/>'
    assert "camt.053" in refused("camt053", data).detail
    assert "XML that is not camt.053" in refused("camt053", b"<html><body/></html>").detail


def test_a_huge_line_is_refused_with_its_number() -> None:
    data = sample("mt940.sta").replace(b"Tarifa pacote", b"Tarifa " + b"x" * (MAX_LINE_BYTES + 1))
    error = refused("mt940", data)
    assert error.context["line"] == 12 and "longer than" in error.detail
    csv = sample("statement.csv") + b"31/03/2025;" + b"y" * (MAX_LINE_BYTES + 1) + b";;1,00;;X\r\n"
    assert refused("csv", csv, mapping()).context["line"] == 7


def test_a_huge_xml_text_is_refused() -> None:
    data = sample("camt053.xml").replace(b"<Id>2025-03-31-0001</Id>", b"<Id>" + b"x" * 11_000_000 + b"</Id>")
    assert refused("camt053", data).issues[0].field == "file"


def test_deeply_nested_xml_is_refused() -> None:
    data = f'<?xml version="1.0"?><Document xmlns="{CAMT}">'.encode() + b"<a>" * 300_000 + b"</a>" * 300_000
    assert refused("camt053", data + b"</Document>").issues[0].field == "file"


def test_the_wrong_encoding_is_refused_with_the_line() -> None:
    latin = sample("statement.csv").replace(b"Rendimento", "Rendimentação".encode("latin-1"))
    error = refused("csv", latin, mapping())
    assert (error.context["line"], "utf-8" in error.detail) == (6, True)
    latin1 = CsvMapping.of("l", {**mapping().document(), "encoding": "latin-1"})
    assert parse("csv", latin, latin1).lines[3].description == "Rendimentação conta remunerada"
    mt940 = sample("mt940.sta").replace(b"Tarifa", "Tarifação".encode("utf-16-le"))
    assert refused("mt940", mt940).issues[0].field == "file"
    bad_camt = sample("camt053.xml").replace(b"Padaria", b"Padaria \xff\xfe")
    assert "line 47" in refused("camt053", bad_camt).detail


@pytest.mark.parametrize(
    ("format", "name", "old", "new", "field"),
    [
        ("camt053", "camt053.xml", b">2750.50<", b">2.750,50<", "lines[2].amount"),
        ("camt053", "camt053.xml", b">2750.50<", b">-2750.50<", "lines[2].amount"),
        (
            "camt053",
            "camt053.xml",
            b"<ValDt><Dt>2025-03-31</Dt>",
            b"<ValDt><Dt>31/03/2025</Dt>",
            "lines[1].value_date",
        ),
        (
            "camt053",
            "camt053.xml",
            b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>",
            b"<CdtDbtInd>X</CdtDbtInd>\n        <Sts>",
            "lines[3].direction",
        ),
        ("camt053", "camt053.xml", b">22950.75<", b">lots<", "closing_balance"),
        ("mt940", "mt940.sta", b"C2750,50", b"C27x0,50", "lines[2]"),
        ("mt940", "mt940.sta", b"2503310331D980", b"2513310331D980", "lines[3]"),
        ("mt940", "mt940.sta", b"D980,00", b"D980.00", "lines[3]"),
        ("ofx", "statement.ofx", b"<TRNAMT>-980.00", b"<TRNAMT>-98O.00", "lines[2].amount"),
        (
            "ofx",
            "statement.ofx",
            b"<DTPOSTED>20250331120000[-3:BRT]\n<TRNAMT>-980",
            b"<DTPOSTED>20251331\n<TRNAMT>-980",
            "lines[2]",
        ),
        ("csv", "statement.csv", b"-980,00", b"-980,0,0", "lines[2].amount"),
        ("csv", "statement.csv", b"-980,00", b"1e5", "lines[2].amount"),
        ("csv", "statement.csv", b"31/03/2025;Fornecedor", b"2025-03-31;Fornecedor", "lines[2].value_date"),
        ("csv", "statement.csv", b"31/03/2025;Fornecedor", b"31/02/2025;Fornecedor", "lines[2].value_date"),
    ],
)
def test_malformed_amounts_and_dates_are_refused_naming_the_line(
    format: str, name: str, old: bytes, new: bytes, field: str
) -> None:
    data = sample(name)
    assert old in data
    assert refused(format, data.replace(old, new, 1), mapping()).issues[0].field == field


def test_sniffing_an_mt940_takes_linear_time() -> None:
    """64 KiB of `:20:` lines without a balance line: a pattern spanning both tags backtracked from every
    `:20:` (seconds of CPU per upload); two searches take well under a millisecond."""
    data = b"x\n" + b":20:\n" * (65536 // 5)
    began = time.process_time()
    assert sniff(data) is None
    assert time.process_time() - began < 0.1
    assert sniff(b"x\n:20:STMT\n:25:1/2\n:28C:1\n:60F:C250331BRL1,00\n") == "mt940"
    assert sniff(b"x\n:60F:C250331BRL1,00\n:20:STMT\n") is None  # the balance must follow :20:
    assert sniff(b"x\n:20:STMT :60F:C250331BRL1,00\n") is None  # each at the start of a line


def test_empty_and_unknown_are_refused() -> None:
    assert refused("camt053", b"  \n").detail == "file: is empty"
    assert refused("xls", b"x").issues[0].field == "format"
    assert refused("csv", sample("statement.csv")).issues[0].field == "mapping"
    header_only = b"Extrato;;\nData;Descricao;Documento;Valor;Saldo;Identificador\n"
    assert "no statement lines" in refused("csv", header_only, mapping()).detail
    assert (
        refused(
            "csv", b'a,"b\n', CsvMapping.of("q", {"columns": {"value_date": 0, "amount": 1}, "header": False})
        )
        .issues[0]
        .field
        == "file"
    )


def test_nul_characters_are_refused() -> None:
    assert refused("mt940", sample("mt940.sta").replace(b"Tarifa", b"Tar\x00ifa")).issues[0].field == "file"


def _batch(total: str, *details: str) -> bytes:
    """The sample with its last entry (BRL 5.40 credit) made a batch of `total` with these `TxDtls`."""
    data = sample("camt053.xml").replace(
        b'<Amt Ccy="BRL">5.40</Amt>', f'<Amt Ccy="BRL">{total}</Amt>'.encode()
    )
    block = "<NtryDtls>" + "".join(f"<TxDtls>{d}</TxDtls>" for d in details) + "</NtryDtls>"
    block += "<AddtlNtryInf>Lote</AddtlNtryInf>"
    return data.replace(b"<AddtlNtryInf>Rendimento conta remunerada</AddtlNtryInf>", block.encode())


#: What a transaction detail may hold besides its own amount: an instructed amount in another currency,
#: and a charge taken as a debit. Neither is the line's amount or direction.
FOREIGN_AND_CHARGES = (
    '<AmtDtls><InstdAmt><Amt Ccy="USD">19.99</Amt></InstdAmt></AmtDtls>'
    '<Chrgs><Rcrd><Amt Ccy="BRL">3.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>'
)


def test_a_batch_entry_gives_a_line_per_transaction_detail() -> None:
    lines = parse(
        "camt053",
        _batch(
            "1500.00",
            '<Refs><EndToEndId>A-1</EndToEndId></Refs><Amt Ccy="BRL">1000.00</Amt>'
            "<RltdPties><Dbtr><Nm>Ana</Nm></Dbtr></RltdPties>",
            '<Refs><EndToEndId>A-2</EndToEndId></Refs><Amt Ccy="BRL">500.00</Amt>'
            "<RltdPties><Dbtr><Nm>Bia</Nm></Dbtr></RltdPties>",
        ),
    ).lines
    assert [(x.external_id, x.amount, x.counterparty) for x in lines[9:]] == [
        ("BNK-20250331-000110", Decimal("1000.00"), "Ana"),
        ("BNK-20250331-000110/2", Decimal("500.00"), "Bia"),
    ]


def test_an_instructed_amount_or_a_charge_is_not_the_lines_amount() -> None:
    """Entry 1 is BRL 1500.00 credited; its detail also tells the USD 19.99 instructed and a BRL 3.50
    charge debited: the line stays BRL 1500.00, a credit."""
    data = sample("camt053.xml").replace(
        b"<Refs><EndToEndId>INV-2025-0311</EndToEndId></Refs>",
        f"<Refs><EndToEndId>INV-2025-0311</EndToEndId></Refs>{FOREIGN_AND_CHARGES}".encode(),
    )
    data = data.replace(
        b"<AcctSvcrRef>BNK-20250331-000101</AcctSvcrRef>",
        f"<AcctSvcrRef>BNK-20250331-000101</AcctSvcrRef>{FOREIGN_AND_CHARGES}".encode(),
    )
    assert data.count(b"19.99") == 2
    first = parse("camt053", data).lines[0]
    assert (first.amount, first.direction, first.currency) == (Decimal("1500.00"), Direction.CREDIT, "BRL")
    assert first.counterparty == "Padaria Estrela Ltda"


def test_a_batch_reads_each_details_own_amount_and_direction() -> None:
    """`TxDtls/Amt`, else `TxDtls/AmtDtls/TxAmt/Amt` (earlier versions); the detail's `CdtDbtInd`, else
    the entry's; never an instructed amount or a charge further down."""
    lines = parse(
        "camt053",
        _batch(
            "900.00",
            f'<Amt Ccy="BRL">1000.00</Amt>{FOREIGN_AND_CHARGES}',
            '<AmtDtls><TxAmt><Amt Ccy="BRL">200.00</Amt></TxAmt></AmtDtls>',
            f'<Amt Ccy="BRL">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>{FOREIGN_AND_CHARGES}',
        ),
    ).lines
    assert [(x.amount, x.direction, x.currency) for x in lines[9:]] == [
        (Decimal("1000.00"), Direction.CREDIT, "BRL"),
        (Decimal("200.00"), Direction.CREDIT, "BRL"),
        (Decimal("300.00"), Direction.DEBIT, "BRL"),
    ]


@pytest.mark.parametrize(
    ("total", "details", "field", "says"),
    [
        (
            "1500.00",
            ['<Amt Ccy="BRL">1000.00</Amt>', '<Amt Ccy="BRL">400.00</Amt>'],
            "lines[10].amount",
            "add up",
        ),
        ("5.40", ['<Amt Ccy="BRL">5.00</Amt>', '<Amt Ccy="USD">0.40</Amt>'], "lines[11].currency", "USD"),
        ("5.40", ['<Amt Ccy="BRL">5.00</Amt>', FOREIGN_AND_CHARGES], "lines[11].amount", "missing"),
        (
            "5.40",
            ['<Amt Ccy="BRL">5.00</Amt>', '<Amt Ccy="BRL">0.40</Amt><CdtDbtInd>X</CdtDbtInd>'],
            "lines[11].direction",
            "CRDT",
        ),
    ],
    ids=["not-adding-up", "another-currency", "no-amount", "bad-direction"],
)
def test_a_batch_that_does_not_agree_with_its_entry_is_refused(
    total: str, details: list[str], field: str, says: str
) -> None:
    error = refused("camt053", _batch(total, *details))
    assert error.issues[0].field == field and says in error.detail


def test_amounts_of_many_digits_are_exact() -> None:
    """29 to 38 digits: Python's default context would round them to 28 (abs(), unary minus)."""
    big = "12345678901234567890123456789012.34"
    data = sample("camt053.xml").replace(
        b'<Amt Ccy="BRL">15230.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>',
        f'<Amt Ccy="BRL">{big}</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>'.encode(),
    )
    assert parse("camt053", data).opening_balance == Decimal("-" + big)
    batch = _batch(big, f'<Amt Ccy="BRL">{big[:-4]}0.00</Amt>', '<Amt Ccy="BRL">2.34</Amt>')
    assert [x.amount for x in parse("camt053", batch).lines[9:]] == [
        Decimal(big[:-4] + "0.00"),
        Decimal("2.34"),
    ]
    csv = sample("statement.csv").replace(b"-980,00", f"-{big.replace('.', ',')}".encode())
    assert parse("csv", csv, mapping()).lines[1].amount == Decimal(big)


def test_two_entries_with_one_bank_id_are_refused_when_normalised() -> None:
    from domain.statements import normalise
    from tests.unit.builders import AT, funding

    data = sample("camt053.xml").replace(b"BNK-20250331-000102", b"BNK-20250331-000101")
    with pytest.raises(InvalidStatement) as caught:
        normalise(parse("camt053", data), funding("bank"), content_sha256="a" * 64, imported_at=AT)
    assert caught.value.issues[0].field == "lines[2].external_id"
