"""``python -m ftaudit`` runs the CLI."""

from ftaudit.cli import main

main()
