"""Field rules of the spec's "Fields and rules": messages, kinds, defaults, references."""

from __future__ import annotations

import datetime as dt

import pytest

from app.records.fields import Lookups, match_key, module_fields, required_fields, validate_row


def test_email_message_is_the_seeds_wording() -> None:
    clean, errors = validate_row("leads", {"last_name": "Berg", "email": "not-an-email"})
    assert errors == [("email", "Email field invalid: 'not-an-email'")]
    assert "email" not in clean


@pytest.mark.parametrize("address", ["anna.berg@example.com", "o'brien+tag@mail.example.co.uk", "ANNA@EXAMPLE.COM",
                                     "jörg@bücher.de", "qa@crm.test", "jörg@büro.test"])
def test_valid_addresses_pass(address: str) -> None:
    clean, errors = validate_row("leads", {"last_name": "Berg", "email": address})
    assert errors == []
    assert clean["email"] == address


@pytest.mark.parametrize("address", ["a@b", "a@@b.com", "a b@c.com", "@c.com", "a@c..com", "a@localhost", "a@test", "jörg@test",
                                     "x" * 250 + "@c.com", '"quoted"@c.com', "Anna <anna@c.com>", "a@-c.com"])
def test_invalid_addresses_fail(address: str) -> None:
    _, errors = validate_row("leads", {"last_name": "Berg", "email": address})
    assert errors and errors[0][0] == "email"


def test_required_missing_and_blank() -> None:
    _, errors = validate_row("leads", {"email": "a@b.com"})
    assert errors == [("last_name", "Last Name field is required")]
    _, errors = validate_row("leads", {"email": " ", "last_name": "B"})
    assert errors == [("email", "Email field is required")]
    _, errors = validate_row("leads", {"first_name": "A"}, partial=True)
    assert errors == []


def test_phone_rules() -> None:
    ok = validate_row("leads", {"last_name": "B", "email": "a@b.com", "phone": "+49 (30) 123-45.67"})
    assert ok[1] == []
    for bad in ("12345", "call me", "+" + "1" * 21):
        _, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "phone": bad})
        assert errors[0][0] == "phone" and errors[0][1].startswith(f"Phone field invalid: '{bad}'")
    clean, _ = validate_row("leads", {"last_name": "B", "email": "a@b.com", "phone": 4930123456.0})
    assert clean["phone"] == "4930123456"


def test_status_default_and_choices() -> None:
    clean, _ = validate_row("leads", {"last_name": "B", "email": "a@b.com", "status": ""})
    assert clean["status"] == "new"
    clean, _ = validate_row("leads", {"last_name": "B", "email": "a@b.com", "status": "Qualified"})
    assert clean["status"] == "qualified"
    _, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "status": "hot"})
    assert errors[0][1].startswith("Status field invalid: 'hot'")


def test_text_length_limit() -> None:
    _, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "company": "x" * 256})
    assert errors == [("company", "Company field too long: 256 characters (at most 255)")]
    assert validate_row("leads", {"last_name": "B", "email": "a@b.com", "company": "x" * 255})[1] == []


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-05-31", dt.datetime(2024, 5, 31)),
    ("2024-05-31T10:20:30", dt.datetime(2024, 5, 31, 10, 20, 30)),
    ("2024-05-31T10:20:30+02:00", dt.datetime(2024, 5, 31, 8, 20, 30)),
    (dt.date(2023, 1, 2), dt.datetime(2023, 1, 2)),
    (dt.datetime(2023, 1, 2, 3, 4), dt.datetime(2023, 1, 2, 3, 4)),
    (45000.0, dt.datetime(2023, 3, 15)),
    ("45000", dt.datetime(2023, 3, 15)),
])
def test_created_at_accepts_iso_and_excel_dates(raw: object, expected: dt.datetime) -> None:
    clean, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "created_at": raw})
    assert errors == [] and clean["created_at"] == expected


def test_created_at_rejects_nonsense() -> None:
    _, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "created_at": "31/05/2024"})
    assert errors[0][1].startswith("Created At field invalid: '31/05/2024'")


@pytest.mark.parametrize(("raw", "expected"), [("250", 250), (250.0, 250), ("0", 0), (7, 7), ("12.0", 12)])
def test_employees_whole_numbers(raw: object, expected: int) -> None:
    clean, errors = validate_row("accounts", {"name": "Acme", "employees": raw})
    assert errors == [] and clean["employees"] == expected


@pytest.mark.parametrize("raw", ["-1", "12.5", "many", 3.5, True])
def test_employees_rejects_others(raw: object) -> None:
    _, errors = validate_row("accounts", {"name": "Acme", "employees": raw})
    assert errors and errors[0][0] == "employees"


def test_references_resolve_through_lookups() -> None:
    lookups = Lookups(owners={"anna@corp.com": 7}, accounts={"acme ltd": 3})
    clean, errors = validate_row("contacts", {"last_name": "B", "email": "a@b.com", "owner": "Anna@Corp.com",
                                              "account": "ACME Ltd"}, lookups)
    assert errors == [] and clean["owner_id"] == 7 and clean["account_id"] == 3
    _, errors = validate_row("contacts", {"last_name": "B", "email": "a@b.com", "owner": "bob@corp.com",
                                          "account": "Nope"}, lookups)
    assert [e[0] for e in errors] == ["account", "owner"]
    assert errors[1][1].startswith("Owner field invalid: 'bob@corp.com'")
    clean, errors = validate_row("leads", {"last_name": "B", "email": "a@b.com", "owner": ""}, lookups)
    assert errors == [] and clean["owner_id"] is None


def test_catalogue_shape() -> None:
    assert match_key("leads") == "email" and match_key("accounts") == "name"
    assert [f.key for f in required_fields("accounts")] == ["name"]
    assert {f.key for f in module_fields("leads")} >= {"first_name", "last_name", "email", "phone", "company", "title",
                                                       "country", "city", "source", "status", "created_at", "owner"}
    with pytest.raises(ValueError, match="unknown module"):
        module_fields("widgets")


def test_column_validation_matches_row_validation() -> None:
    from app.records.columns import validate_columns
    from app.records.fields import row_validator

    rows = [
        ["Anna", "Berg", "anna@firm.example.com", "+49 30 1234567", "new", "2024-05-31", "owner@corp.example.com"],
        [" Ben ", "", "not-an-email", "12", "HOT", "31/05/2024", "nobody@corp.example.com"],
        ["'=Clara", "Costa", "'=x@firm.example.com", "'+49 30 1234567", "", 45000.0, ""],
        ["x" * 256, "Dubois", "  DORA@FIRM.EXAMPLE.COM ", None, "Qualified", None, "OWNER@corp.example.com"],
        [4930123456.0, "E", "e@firm.example.com", 4930123456.0, "contacted", "", None],
    ]
    keys = ("first_name", "last_name", "email", "phone", "status", "created_at", "owner")
    check = row_validator("leads", keys)
    lookups = Lookups(owners={"owner@corp.example.com": 5})
    for sample in (rows, rows[:1] * 3, [r for r in rows if r[1]]):
        columns, errors = validate_columns(check, [list(c) for c in zip(*sample, strict=True)], lookups)
        for index, row in enumerate(sample):
            expected_clean, expected_errors = check(row, lookups)
            assert errors.get(index, []) == expected_errors
            if not expected_errors:
                assert [c[index] for c in columns] == expected_clean
