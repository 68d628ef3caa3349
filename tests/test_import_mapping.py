"""Header → field guessing (keys, labels, synonyms), edits, and named templates (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.transfer.api import TransferError, enqueue_import
from app.transfer.mapping import (
    MappingError,
    apply_overrides,
    delete_template,
    get_template,
    guess_mapping,
    list_templates,
    resolve_mapping,
    save_template,
)
from tests.engine_support import add_workspace
from tests.import_support import rows_of, run_to_end, write_csv


def test_headers_match_ignoring_case_spaces_underscores_and_dashes() -> None:
    headers = ["First Name", "last_name", "E-MAIL", "Phone Number", "Organization", "Job Title", "Favourite Colour"]
    assert guess_mapping("leads", headers) == {
        "First Name": "first_name", "last_name": "last_name", "E-MAIL": "email", "Phone Number": "phone",
        "Organization": "company", "Job Title": "title", "Favourite Colour": "",
    }
    assert guess_mapping("leads", ["FIRST-NAME", "Email Address", "Mobile"]) == {
        "FIRST-NAME": "first_name", "Email Address": "email", "Mobile": "phone"}
    assert guess_mapping("accounts", ["Organization", "Website", "Employee Count"]) == {
        "Organization": "name", "Website": "domain", "Employee Count": "employees"}
    assert guess_mapping("contacts", ["Company"]) == {"Company": "account"}


def test_a_field_takes_one_column() -> None:
    assert guess_mapping("leads", ["Email", "E-mail"]) == {"Email": "email", "E-mail": ""}
    moved = apply_overrides("leads", ["Email", "E-mail"], {"Email": "email", "E-mail": ""}, ["E-mail=email"])
    assert moved == {"Email": "", "E-mail": "email"}


def test_overrides_check_columns_and_fields() -> None:
    headers = ["Name", "Mail"]
    assert resolve_mapping("leads", headers, overrides=["name=last_name", "Mail=Email"]) == {"Name": "last_name", "Mail": "email"}
    with pytest.raises(MappingError, match="no column 'Nope'"):
        apply_overrides("leads", headers, {}, ["Nope=email"])
    with pytest.raises(MappingError, match="no field 'shoe_size'"):
        apply_overrides("leads", headers, {}, ["Name=shoe_size"])
    with pytest.raises(MappingError, match="required fields Last Name"):
        resolve_mapping("leads", ["Whatever"])


def test_templates_are_saved_listed_replaced_and_used(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    save_template(engine, "Trade show", "leads", {"Surname ": "last_name", "Contact": "email"}, created_by="anna")
    save_template(engine, "Accounts CRM", "accounts", {"Org": "name"})
    assert [t.name for t in list_templates(engine)] == ["Accounts CRM", "Trade show"]
    assert [t.name for t in list_templates(engine, "leads")] == ["Trade show"]
    save_template(engine, "Trade show", "leads", {"Surname": "last_name", "Contact": "email"})
    assert get_template(engine, "Trade show").mapping == {"Surname": "last_name", "Contact": "email"}
    path = write_csv(tmp_path / "t.csv", [["Berg", "berg@firm.example.com"]], ["Surname", "Contact"])
    run = run_to_end(engine, enqueue_import(engine, path, "leads", template="Trade show", workspace="main"))
    assert run.created == 1 and rows_of(engine, "leads", "last_name", "email") == [("Berg", "berg@firm.example.com")]
    assert run.params["template"] == "Trade show"
    with pytest.raises(TransferError, match="the mapping template 'Trade show' is for leads, not contacts"):
        enqueue_import(engine, path, "contacts", template="Trade show", workspace="main")
    with pytest.raises(MappingError, match="no field 'bogus'"):
        save_template(engine, "Bad", "leads", {"X": "bogus"})
    assert delete_template(engine, "Trade show") and not delete_template(engine, "Trade show")
    with pytest.raises(MappingError, match="no mapping template named 'Trade show'"):
        get_template(engine, "Trade show")
