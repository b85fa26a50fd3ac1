"""The Jinja2 environment every ftaudit HTML page is rendered in, and the page frame they share.

Each page is a template in its package's ``resources/`` folder that extends
``page.html.j2`` (head, Content-Security-Policy, CSS) from this package's. The environment is
the only one pages are rendered in, so every page treats attacker text the same way: autoescaping
on (every value HTML-escaped), undefined names an error, and every printed value first through
:func:`~ftaudit.report.safe_text.visible` (the ``finalize`` hook), so a bidi override or a
terminal control cannot reorder or hide what the page shows.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ftaudit.report.safe_text import visible

#: The package whose ``resources/page.html.j2`` every page extends.
FRAME_PACKAGE = "ftaudit.report"


def _shown(value: Any) -> Any:
    """Every value a template prints, before autoescaping: bidi and terminal controls made visible."""
    from markupsafe import Markup

    if isinstance(value, Markup):  # e.g. the output of |join, escaped already
        return Markup(visible(str(value), html_escaped=True))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return visible(str(value))  # str, and objects printed as text (a Path, an enum)


@lru_cache(maxsize=8)
def _environment(package: str) -> Any:
    from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

    loaders = [PackageLoader(package, "resources")]
    if package != FRAME_PACKAGE:
        loaders.append(PackageLoader(FRAME_PACKAGE, "resources"))
    return Environment(
        loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=_shown,
    )


def page_template(name: str, package: str = FRAME_PACKAGE) -> Any:
    """The template ``name`` from ``package``'s ``resources/`` folder (it can extend ``page.html.j2``)."""
    return _environment(package).get_template(name)
