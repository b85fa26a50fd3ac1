"""The training-data layer: read fine-tuning datasets, validate them, describe them.

Reads OpenAI chat JSONL, Alpaca and ShareGPT files (JSONL or one JSON array), normalises
every record to a :class:`Conversation`, and reports bad records precisely (file, line,
field, stable code) instead of failing on them.
"""

from __future__ import annotations

from ftaudit.data.conversation import Conversation, DatasetFormat, Message
from ftaudit.data.detect import Layout, detect_format
from ftaudit.data.examples import example_path
from ftaudit.data.issues import IssueCode, LineIssue
from ftaudit.data.reader import TrainingFile
from ftaudit.data.stats import DatasetStats, compute_stats
from ftaudit.data.validate import ValidationReport, validate

__all__ = [
    "Conversation",
    "DatasetFormat",
    "DatasetStats",
    "IssueCode",
    "Layout",
    "LineIssue",
    "Message",
    "TrainingFile",
    "ValidationReport",
    "compute_stats",
    "detect_format",
    "example_path",
    "validate",
]
