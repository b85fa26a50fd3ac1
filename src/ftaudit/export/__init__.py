"""Exporting audits to other tools' formats: Inspect eval logs (:mod:`ftaudit.export.inspect_log`)."""

from __future__ import annotations

from ftaudit.export.inspect_log import export_inspect, write_inspect_log

__all__ = ["export_inspect", "write_inspect_log"]
