"""Attack dataset generators, one module each (see ftaudit.suite.registry)."""
