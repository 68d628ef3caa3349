"""The schema-generated form: each kind of option gets its editor, typed input is read back
as the model expects it, and a value the model or the editor refuses is shown and blocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from PySide6.QtCore import Qt

from app.engine.jobtype import JobOptions
from ui.forms import SchemaForm, field_specs
from ui.forms.editors import ChoiceEditor, DateEditor, FileEditor, IntEditor, NumberEditor
from ui.forms.list_editors import MappingEditor, MultiChoiceEditor, TextListEditor


class Sample(JobOptions):
    dry_run: bool = Field(False, title="Dry Run", description="Change nothing.")
    batch: int = Field(500, ge=1, le=10000, title="Batch size")
    limit: int | None = Field(None, ge=1, le=50, title="Limit")
    ratio: float = Field(0.5, ge=0, le=1, title="Ratio")
    format: Literal["csv", "xlsx"] = Field("csv", title="Format")
    modules: list[Literal["leads", "contacts"]] = Field(default_factory=lambda: ["leads"], min_length=1, title="Modules")
    since: dt.date | None = Field(None, title="Since")
    where: list[str] = Field(default_factory=list, title="Filter", description="Conditions such as status=new")
    set_fields: dict[str, str] = Field(default_factory=dict, title="Set")
    source: str | None = Field(None, title="Source file", json_schema_extra={"x-widget": "file"})

    @model_validator(mode="after")
    def _dry_batch(self) -> Sample:
        if self.dry_run and self.batch > 1000:
            raise ValueError("a dry run checks at most 1000 rows per batch")
        return self


def make_form(qtbot) -> SchemaForm:  # type: ignore[no-untyped-def]
    form = SchemaForm.for_model(Sample)
    qtbot.addWidget(form)
    form.show()
    return form


def test_each_kind_of_option_gets_its_editor(qtbot) -> None:
    form = make_form(qtbot)
    kinds = {s.name: s.kind for s in field_specs(Sample.model_json_schema())}
    assert kinds == {"dry_run": "bool", "batch": "int", "limit": "int", "ratio": "number", "format": "choice",
                     "modules": "multichoice", "since": "date", "where": "textlist", "set_fields": "mapping",
                     "source": "file"}
    assert isinstance(form.editors["batch"], IntEditor)
    assert isinstance(form.editors["ratio"], NumberEditor)
    assert isinstance(form.editors["format"], ChoiceEditor)
    assert isinstance(form.editors["modules"], MultiChoiceEditor)
    assert isinstance(form.editors["since"], DateEditor)
    assert isinstance(form.editors["where"], TextListEditor)
    assert isinstance(form.editors["set_fields"], MappingEditor)
    assert isinstance(form.editors["source"], FileEditor)
    assert form.is_valid()
    assert form.values() == {"dry_run": False, "batch": 500, "limit": None, "ratio": 0.5, "format": "csv",
                             "modules": ["leads"], "since": None, "where": [], "set_fields": {}, "source": None}
    spin = form.editors["batch"].spin  # type: ignore[attr-defined]
    assert (spin.minimum(), spin.maximum()) == (1, 10000)
    assert form.editors["format"].combo.itemText(1) == "Excel (XLSX)"  # type: ignore[attr-defined]


def test_typed_values_are_read_as_the_model_expects(qtbot, tmp_path: Path) -> None:
    form = make_form(qtbot)
    limit = form.editors["limit"].spin  # type: ignore[attr-defined]
    assert limit.text() == "not set"
    limit.lineEdit().selectAll()
    qtbot.keyClicks(limit.lineEdit(), "7")
    qtbot.waitUntil(lambda: form.values()["limit"] == 7)

    form.editors["format"].combo.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClick(form.editors["format"].combo, Qt.Key.Key_Down)  # type: ignore[attr-defined]
    since = form.editors["since"]
    qtbot.mouseClick(since.enabled_box, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    since.edit.setCurrentSection(since.edit.sectionAt(0))  # type: ignore[attr-defined]
    qtbot.keyClick(since.edit, Qt.Key.Key_Down)  # type: ignore[attr-defined]

    where = form.editors["where"]
    # Add wants something typed, Remove a selected entry
    assert not where.add_button.isEnabled() and not where.remove_button.isEnabled()  # type: ignore[attr-defined]
    qtbot.keyClicks(where.entry, "status=new")  # type: ignore[attr-defined]
    assert where.add_button.isEnabled()  # type: ignore[attr-defined]
    qtbot.keyClick(where.entry, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert not where.add_button.isEnabled() and not where.remove_button.isEnabled()  # type: ignore[attr-defined]
    where.list.setCurrentRow(0)  # type: ignore[attr-defined]
    assert where.remove_button.isEnabled()  # type: ignore[attr-defined]
    where.list.clearSelection()  # type: ignore[attr-defined]
    qtbot.keyClicks(where.entry, "score>=50")  # type: ignore[attr-defined]
    qtbot.mouseClick(where.add_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

    source = tmp_path / "in.csv"
    source.write_text("a\n1\n", encoding="utf-8")
    qtbot.keyClicks(form.editors["source"].line, str(source))  # type: ignore[attr-defined]
    set_fields = form.editors["set_fields"]
    assert not set_fields.remove_button.isEnabled()  # type: ignore[attr-defined]  # no row to remove
    set_fields.add_row("status", "qualified")  # type: ignore[attr-defined]
    assert set_fields.remove_button.isEnabled()  # type: ignore[attr-defined]

    values = form.values()
    assert values["limit"] == 7
    assert values["format"] == "xlsx"
    last_year = dt.date.today().year - 1
    assert values["since"].startswith(f"{last_year}-")
    assert values["where"] == ["status=new", "score>=50"]
    assert values["source"] == str(source)
    assert values["set_fields"] == {"status": "qualified"}
    assert form.is_valid(), form.errors
    parsed = Sample.model_validate(values)
    assert parsed.since is not None and parsed.since.year == last_year


def test_rejected_values_are_shown_next_to_their_field(qtbot, tmp_path: Path) -> None:
    form = make_form(qtbot)
    with qtbot.waitSignal(form.validityChanged, check_params_cb=lambda ok: ok is False):
        qtbot.keyClicks(form.editors["source"].line, str(tmp_path / "missing.csv"))  # type: ignore[attr-defined]
    label = form.error_labels["source"]
    assert label.isVisible() and "No file at" in label.text()
    form.editors["source"].line.clear()  # type: ignore[attr-defined]
    assert form.is_valid()

    # an out-of-range number typed into a spin box: visible, refused, and the form invalid
    batch = form.editors["batch"].spin  # type: ignore[attr-defined]
    batch.lineEdit().selectAll()
    qtbot.keyClicks(batch.lineEdit(), "0")
    qtbot.waitUntil(lambda: form.error_labels["batch"].isVisible())
    assert batch.text() == "0"
    assert "between 1 and 10000" in form.error_labels["batch"].text()
    assert not form.is_valid()
    batch.lineEdit().selectAll()
    qtbot.keyClicks(batch.lineEdit(), "5000")
    qtbot.waitUntil(form.is_valid)

    # a rule of the model as a whole shows under the form
    qtbot.mouseClick(form.editors["dry_run"].box, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not form.is_valid()
    assert form.form_error.isVisible() and "at most 1000 rows" in form.form_error.text()

    # an empty list where the model needs one item
    modules = form.editors["modules"]
    modules.item("leads").setCheckState(Qt.CheckState.Unchecked)  # type: ignore[attr-defined]
    assert "Add at least one" in form.error_labels["modules"].text()


def test_a_mapping_table_names_its_two_sides(qtbot) -> None:
    """The import's column mapping reads "File column" → "Field", not "Key" / "Value"."""
    from jobs.import_records import Options

    form = SchemaForm.for_model(Options)
    qtbot.addWidget(form)
    table = form.editors["mapping"].table  # type: ignore[attr-defined]
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["File column", "Field"]
    form.editors["mapping"].add_row("E-mail Address", "email")  # type: ignore[attr-defined]
    assert form.values()["mapping"] == {"E-mail Address": "email"}
