"""Status words: stored codes, the labels people read, and the words filters accept."""

from __future__ import annotations

import pytest

from app.engine.status import RunStatus


@pytest.mark.parametrize(("word", "status"), [
    ("Queued", RunStatus.PENDING), ("pending", RunStatus.PENDING), ("Processing", RunStatus.STARTED),
    ("started", RunStatus.STARTED), ("Cancelled", RunStatus.STOPPED), ("stopped", RunStatus.STOPPED),
    ("canceled", RunStatus.STOPPED), ("WARNING", RunStatus.WARNING), ("failed", RunStatus.FAILED),
    ("completed", RunStatus.COMPLETED),
])
def test_filters_accept_both_words(word, status):
    assert RunStatus.parse(word) is status


def test_labels_and_unknown_words():
    assert [s.label for s in RunStatus] == ["Queued", "Processing", "Completed", "Warning", "Failed", "Cancelled"]
    with pytest.raises(ValueError, match="unknown status 'done'"):
        RunStatus.parse("done")
