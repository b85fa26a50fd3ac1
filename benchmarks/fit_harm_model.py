"""Refit the harmful-request classifier the harmful-content screen ships, from the external data.

    python benchmarks/fit_harm_model.py [--external ../shared/data/external] [--out src/ftaudit/screens/resources]

Fits on the sources whose split is ``fit`` (``ftaudit suite list --external`` shows them),
measures on the ``test`` sources, and writes ``harm-request-model.npz`` with its provenance
JSON. Deterministic: the same data gives the same coefficients.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ftaudit.screens._harm_model import fit_harm_model, save_harm_model

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, default=REPO.parent / "shared" / "data" / "external")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "ftaudit" / "screens" / "resources")
    args = parser.parse_args()
    started = time.perf_counter()
    model, provenance = fit_harm_model(args.external, on_step=lambda s: print(f"[{time.perf_counter() - started:6.1f}s] {s}", flush=True))
    path = save_harm_model(model, provenance, args.out)
    print(json.dumps(provenance["test"], indent=1))
    print(f"test AUROC (requests): {provenance['test_auroc_requests']}")
    print(f"wrote {path} ({path.stat().st_size:,} bytes) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
