"""Dataset-screen audits per minute through the audit service, and its overhead per audit.

Not a test. Starts the service as an operator would, in two setups, on the same files:

* embedded: ``ftaudit service start --db sqlite:///… --workers 1`` (queue and worker in one process);
* PostgreSQL: a throwaway server (``tests/service/pgserver.py``), ``ftaudit service start --workers 0``
  and two ``ftaudit service worker`` processes;

submits N audits of the bundled example file (the ``dataset-quick`` preset by default) as fast
as the API takes them, waits for all, and prints audits per minute (first submit to last
report) and the mean time from submit to report. It also times ``ftaudit screen --only …`` on
the same file N times in one process (``run_screens``, the same work without the service); the
overhead per audit is the service's mean wall time per audit minus that.

    python benchmarks/bench_service.py [--audits 40] [--preset dataset-quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))  # the throwaway PostgreSQL and the service's process wrapper

from conftest import EXAMPLE, Service
from pgserver import TempPostgres


def run_setup(label: str, service: Service, *, workers: int, extra_workers: int, audits: int, preset: str) -> dict:
    key, _ = service.create_key("bench")
    service.start(workers=workers)
    for i in range(extra_workers):
        service.start_worker(f"bench-w{i + 1}")
    content = EXAMPLE.read_bytes()
    # One warm-up audit, so the figures are of a running service, not of its first imports.
    warm = httpx.post(f"{service.url}/v1/audits", headers={"Authorization": f"Bearer {key}"}, data={"preset": preset},
                      files={"file": ("warm.jsonl", content)}, timeout=60).json()
    service.wait_for(key, warm["id"], timeout=600)
    if extra_workers:  # each worker process warms up on its own first audit
        warmups = [httpx.post(f"{service.url}/v1/audits", headers={"Authorization": f"Bearer {key}"}, data={"preset": preset},
                              files={"file": ("warm.jsonl", content)}, timeout=60).json() for _ in range(extra_workers * 2)]
        for w in warmups:
            service.wait_for(key, w["id"], timeout=600)
    started = time.perf_counter()
    ids = []
    for i in range(audits):
        response = httpx.post(f"{service.url}/v1/audits", headers={"Authorization": f"Bearer {key}"}, data={"preset": preset},
                              files={"file": (f"job-{i}.jsonl", content)}, timeout=60)
        response.raise_for_status()
        ids.append(response.json()["id"])
    done = [service.wait_for(key, audit_id, timeout=1800) for audit_id in ids]
    elapsed = time.perf_counter() - started
    latency = [(d_at - c_at) for d_at, c_at in ((_t(d["finished_at"]), _t(d["created_at"])) for d in done)]
    run = [d["run_s"] for d in done]
    service.stop()
    return {"setup": label, "audits": audits, "per_minute": audits / elapsed * 60, "wall_per_audit_s": elapsed / audits,
            "mean_latency_s": statistics.mean(latency), "mean_stage_s": statistics.mean(run),
            "verdicts": sorted({d["verdict"] for d in done})}


def _t(value: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def direct(audits: int, preset: str) -> float:
    """Seconds per ``run_screens`` on the same file with the same screens, in one warm process."""
    from ftaudit.screens.run import run_screens_sync
    from ftaudit.service.settings import default_presets

    only = default_presets()[preset].screens
    run_screens_sync(EXAMPLE, only=only)  # warm-up
    started = time.perf_counter()
    for _ in range(audits):
        run_screens_sync(EXAMPLE, only=only)
    return (time.perf_counter() - started) / audits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audits", type=int, default=40)
    parser.add_argument("--preset", default="dataset-quick")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
        root = Path(folder)
        (root / "embedded").mkdir()
        embedded = Service(f"sqlite:///{root / 'embedded' / 'service.sqlite'}", root / "embedded", poll_s=0.1)
        rows.append(run_setup("embedded (SQLite, 1 worker in the API process)", embedded, workers=1, extra_workers=0,
                              audits=args.audits, preset=args.preset))
        postgres = TempPostgres().start()
        try:
            (root / "pg").mkdir()
            pg = Service(postgres.create_database("bench"), root / "pg", poll_s=0.1, per_tenant_concurrency=4)
            rows.append(run_setup("PostgreSQL (API + 2 worker processes)", pg, workers=0, extra_workers=2,
                                  audits=args.audits, preset=args.preset))
        finally:
            postgres.stop()
    screen_s = direct(args.audits, args.preset)
    print(f"{args.audits} audits of {EXAMPLE.name} ({sum(1 for _ in EXAMPLE.open())} lines), preset {args.preset}")
    print(f"{'setup':<50} {'audits/min':>10} {'s/audit':>8} {'submit→report s':>16} {'stage s':>8}  overhead/audit")
    for row in rows:
        print(f"{row['setup']:<50} {row['per_minute']:>10.1f} {row['wall_per_audit_s']:>8.2f} {row['mean_latency_s']:>16.2f} "
              f"{row['mean_stage_s']:>8.2f}  {row['wall_per_audit_s'] - screen_s:+.2f} s  {row['verdicts']}")
    print(f"{'run_screens in one process (ftaudit screen)':<50} {60 / screen_s:>10.1f} {screen_s:>8.2f}")


if __name__ == "__main__":
    main()
