"""Webhooks signed as the Standard Webhooks specification says (``standardwebhooks``).

One message per finished audit, ``audit.finished``, to the ``webhook_url`` of its submit,
signed with the tenant's secret (``whsec_…``, printed when the tenant's first key is made).
The ``webhook-id`` is the same on every retry, so a receiver can drop duplicates: delivery is
at least once (the DBOS step that sends it retries with backoff, and a worker killed after
sending but before its checkpoint sends it again).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from ftaudit.errors import ConfigError

EVENT = "audit.finished"


class WebhookFailed(Exception):
    """The receiver did not answer 2xx (retried by the step)."""


def check_webhook_url(url: str, allow: list[str]) -> str:
    """``url`` if it may receive webhooks: http(s), and under an allowed prefix when the operator set any."""
    if not url.startswith(("https://", "http://")):
        raise ConfigError("webhook_url must be an http:// or https:// URL")
    if allow and not any(url.startswith(prefix) for prefix in allow):
        raise ConfigError("webhook_url is not under a prefix this service allows")
    return url


def payload(audit: dict[str, Any]) -> str:
    """The JSON body of an ``audit.finished`` message."""
    return json.dumps({
        "type": EVENT,
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
        "data": {
            "id": audit["id"], "status": audit["status"], "verdict": audit["verdict"], "risk_score": audit["risk_score"],
            "customer": audit["customer"], "job_id": audit["job_id"],
        },
    })


def deliver(url: str, secret: str, message_id: str, body: str, *, timeout_s: float) -> int:
    """POST one signed message; the status code, or :class:`WebhookFailed` for anything but 2xx."""
    from standardwebhooks import Webhook

    at = dt.datetime.now(dt.timezone.utc)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }
    try:
        response = httpx.post(url, content=body.encode(), headers=headers, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"HTTP {response.status_code}")
    return response.status_code
