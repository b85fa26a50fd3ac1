"""Small datasets shipped inside the package, for the quick start and for tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ftaudit.data.issues import IssueCode
from ftaudit.errors import DataError

DEFAULT_EXAMPLE = "sample-chat.jsonl"


def example_path(name: str = DEFAULT_EXAMPLE) -> Path:
    """The filesystem path of the bundled example dataset ``name``.

    Raises :class:`DataError` when no such example is bundled. The package is installed
    as plain files (wheel or editable), so the resource is a real path on disk.
    """
    resource = resources.files("ftaudit").joinpath("examples", name)
    if not resource.is_file():
        raise DataError(
            f"no bundled example named {name!r}", path=str(resource), code=IssueCode.UNREADABLE.value
        )
    return Path(str(resource))
