"""Forms generated from JSON Schema (pydantic models): the schema picks the editors, the
model validates the values. Used by the Run Job dialog, the import wizard and Settings."""

from ui.forms.editors import FieldEditor, InputError
from ui.forms.form import SchemaForm
from ui.forms.picker import EnginePickerSource, PickerSource
from ui.forms.spec import FieldSpec, field_specs

__all__ = ["EnginePickerSource", "FieldEditor", "FieldSpec", "InputError", "PickerSource", "SchemaForm", "field_specs"]
