"""The screens, one module each (see ftaudit.screens.registry)."""
