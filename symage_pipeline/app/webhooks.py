"""Webhooks: subscriptions, the delivery outbox, and the signed sender.

A job's terminal transition writes its deliveries (one per matching subscription) in the same
transaction as its status (`enqueue_job_event`, called by `records.JobTracker`), so an event can
neither be lost by a crash between the two nor sent for a state that was rolled back. A sender
(`send_due`, run by a Dagster sensor in the daemon) posts due deliveries with
`X-Symagedocs-Signature` = hex HMAC-SHA256 of the exact body bytes under the subscription's
secret, and retries a failed attempt after 10 s, 60 s and 300 s with the same delivery id;
everything lives in the app DB, so deliveries survive a restart of every process.

Target URLs must be https and public: loopback, private, link-local and reserved addresses are
refused at registration and again, after DNS resolution, at each send (redirects are never
followed), unless `settings.allow_private_webhooks` (development and tests).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from symage_pipeline.app.cursors import decode_cursor, encode_cursor
from symage_pipeline.app.db import Database, Job, Webhook, WebhookDelivery
from symage_pipeline.app.times import aware, iso
from symage_pipeline.errors import bad_request, not_found
from symage_pipeline.settings import Settings
from symage_pipeline.storage import ArtifactStore

EVENTS = ("job.completed", "job.failed", "batch.completed", "batch.exhausted")
JOB_EVENTS = ("job.completed", "job.failed")  # what an inline `webhook_url` subscribes to
TEST_EVENT = "webhook.test"
RETRY_DELAYS = (10, 60, 300)  # seconds before the 1st, 2nd and 3rd retry; then the delivery fails
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION = 500
SECRET_PREFIX = "whsec_"
SEND_TIMEOUT = 10.0


# ------------------------------------------------------------------------------------ target URLs


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_url(url: Any, settings: Settings) -> str:
    """The rules of a target URL that need no network: length, scheme, a host, no private literal."""
    if not isinstance(url, str) or not 1 <= len(url) <= MAX_URL_LENGTH:
        raise bad_request("invalid_webhook_url", f"url must be 1..{MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise bad_request("invalid_webhook_url", "url is not a valid URL.") from None
    schemes = ("https", "http") if settings.allow_private_webhooks else ("https",)
    if parts.scheme not in schemes or not host:
        raise bad_request("invalid_webhook_url", f"url must be an absolute {' or '.join(schemes)} URL.")
    if not settings.allow_private_webhooks:
        literal = host.strip("[]")
        try:
            private = _private(literal)
        except ValueError:
            private = host.lower() == "localhost" or host.lower().endswith(".localhost")
        if private:
            raise bad_request("invalid_webhook_url", "Webhook URLs must not point at loopback or private addresses.")
    return url


def _resolves_public(url: str) -> bool:
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return False
    return bool(infos) and not any(_private(info[4][0].split("%")[0]) for info in infos)


# ---------------------------------------------------------------------------------- subscriptions


def check_events(events: Any) -> list[str]:
    if events is None:
        return list(EVENTS)
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise bad_request("invalid_events", f"events must be a non-empty list drawn from {', '.join(EVENTS)}.")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise bad_request("invalid_events", f"Unknown event(s): {', '.join(unknown)}.", unknown=unknown)
    return [e for e in EVENTS if e in events]


def check_description(description: Any) -> str | None:
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise bad_request("invalid_description", f"description must be at most {MAX_DESCRIPTION} characters.")
    return description


def _new_secret() -> tuple[str, str]:
    secret = SECRET_PREFIX + secrets.token_hex(24)
    return secret, secret[: len(SECRET_PREFIX) + 8]


def create_webhook(
    session: Session,
    settings: Settings,
    user_id: str,
    url: Any,
    events: Any = None,
    description: Any = None,
    *,
    job_id: str | None = None,
) -> tuple[Webhook, str]:
    """A subscription and its signing secret (returned once, never shown again)."""
    secret, prefix = _new_secret()
    webhook = Webhook(
        webhook_id=str(uuid.uuid4()),
        user_id=user_id,
        url=check_url(url, settings),
        events=check_events(events),
        description=check_description(description),
        secret=secret,
        secret_prefix=prefix,
        is_active=True,
        job_id=job_id,
        created_at=datetime.now(UTC),
    )
    session.add(webhook)
    session.flush()
    return webhook, secret


def subscribe_job(session: Session, settings: Settings, user_id: str, job_id: str, url: str) -> Webhook:
    """The temporary subscription an inline `webhook_url` makes: this job's completed/failed only."""
    return create_webhook(session, settings, user_id, url, list(JOB_EVENTS), job_id=job_id)[0]


def get_webhook(session: Session, user_id: str, webhook_id: str) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.user_id != user_id or webhook.deleted_at is not None:
        raise not_found("webhook_not_found", "Webhook not found in this account")
    return webhook


UPDATABLE = ("url", "events", "description", "is_active")


def update_webhook(session: Session, settings: Settings, user_id: str, webhook_id: str, changes: dict) -> Webhook:
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise bad_request("invalid_webhook_field", f"Unknown webhook field(s): {', '.join(unknown)}")
    webhook = get_webhook(session, user_id, webhook_id)
    if "url" in changes:
        webhook.url = check_url(changes["url"], settings)
    if "events" in changes:
        webhook.events = check_events(changes["events"])
    if "description" in changes:
        webhook.description = check_description(changes["description"])
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            raise bad_request("invalid_is_active", "is_active must be true or false.")
        webhook.is_active = changes["is_active"]
    return webhook


def delete_webhook(session: Session, user_id: str, webhook_id: str) -> None:
    """Soft delete: no more deliveries, the row stays for audit."""
    webhook = get_webhook(session, user_id, webhook_id)
    webhook.is_active = False
    webhook.deleted_at = datetime.now(UTC)


def rotate_secret(session: Session, user_id: str, webhook_id: str) -> tuple[Webhook, str]:
    webhook = get_webhook(session, user_id, webhook_id)
    webhook.secret, webhook.secret_prefix = _new_secret()
    return webhook, webhook.secret


def _keyset_page(session: Session, query, column, kind: str, limit: int, cursor: str | None):  # type: ignore[no-untyped-def]
    """One page of `query` ordered by the unique `column`, and the cursor to the next (None at the end)."""
    if cursor:
        (after,) = decode_cursor(cursor, kind, 1)
        query = query.where(column > after)
    rows = list(session.scalars(query.order_by(column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(kind, getattr(rows[-1], column.key)) if more else None


def list_webhooks(
    session: Session, user_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Webhook], str | None]:
    query = select(Webhook).where(Webhook.user_id == user_id, Webhook.deleted_at.is_(None))
    return _keyset_page(session, query, Webhook.webhook_id, "webhooks", limit, cursor)


def list_deliveries(
    session: Session, user_id: str, webhook_id: str, *, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    get_webhook(session, user_id, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    return _keyset_page(session, query, WebhookDelivery.delivery_id, "deliveries", limit, cursor)


def retry_delivery(session: Session, user_id: str, webhook_id: str, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again at once (same id, same bytes), whatever its state."""
    get_webhook(session, user_id, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        raise not_found("delivery_not_found", "Delivery not found for this webhook")
    delivery.status = "pending"
    delivery.next_attempt_at = datetime.now(UTC)
    return delivery


def webhook_view(webhook: Webhook, *, secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "webhook_id": webhook.webhook_id,
        "secret_prefix": webhook.secret_prefix,
        "url": webhook.url,
        "events": list(webhook.events),
        "description": webhook.description,
        "is_active": webhook.is_active,
        "job_id": webhook.job_id,
        "created_at": iso(webhook.created_at),
    }
    if secret is not None:
        view["signing_secret"] = secret
    return view


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.delivery_id,
        "webhook_id": delivery.webhook_id,
        "event": delivery.event,
        "job_id": delivery.job_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
    }


# ----------------------------------------------------------------------------------------- outbox


def _payload(event: str, webhook_id: str, data: dict[str, Any]) -> str:
    body = {"event": event, "timestamp": datetime.now(UTC).isoformat(), "webhook_id": webhook_id, "data": data}
    return json.dumps(body, separators=(",", ":"))


def _enqueue(session: Session, webhook: Webhook, event: str, job_id: str | None, data: dict[str, Any]) -> str:
    delivery_id = str(uuid.uuid4())
    session.add(
        WebhookDelivery(
            delivery_id=delivery_id,
            webhook_id=webhook.webhook_id,
            event=event,
            job_id=job_id,
            payload=_payload(event, webhook.webhook_id, data),
            status="pending",
            attempts=0,
            next_attempt_at=datetime.now(UTC),
        )
    )
    return delivery_id


def job_event_data(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "status": job.status,
        "form_id": job.form_ids[0] if job.form_ids else "",
        "form_ids": list(job.form_ids),
        "quantity": job.quantity,
        "credits_charged": job.credits_charged,
        "completed_at": iso(job.completed_at),
        "error": job.error,
        "download_urls": [],
    }


def enqueue_job_event(session: Session, job: Job, event: str) -> int:
    """Outbox rows for every active subscription of the job's account that hears `event` (account-wide
    ones and this job's inline one). Called inside the transaction that sets the terminal state.
    A `job.completed` payload gets its presigned download URLs from the sender, on its first
    attempt (`_with_download_urls`): URLs are signed with the deployment's settings, and every
    later attempt sends the same bytes."""
    webhooks = session.scalars(
        select(Webhook).where(
            Webhook.user_id == job.user_id,
            Webhook.is_active.is_(True),
            Webhook.deleted_at.is_(None),
            or_(Webhook.job_id.is_(None), Webhook.job_id == job.job_id),
        )
    )
    data = job_event_data(job)
    return sum(1 for w in webhooks if event in w.events and _enqueue(session, w, event, job.job_id, data))


def enqueue_test(session: Session, user_id: str, webhook_id: str) -> WebhookDelivery:
    webhook = get_webhook(session, user_id, webhook_id)
    delivery_id = _enqueue(session, webhook, TEST_EVENT, None, {"message": "A test event from Symage."})
    session.flush()
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    return delivery


# ----------------------------------------------------------------------------------------- sender


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


Post = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import httpx

    response = httpx.post(url, content=body, headers=headers, timeout=SEND_TIMEOUT, follow_redirects=False)
    return response.status_code


def send_due(db: Database, settings: Settings, *, post: Post = http_post, limit: int = 50) -> dict[str, int]:
    """Send every delivery that is due; returns counts by outcome. Safe to run from several
    processes: a delivery is claimed (its next attempt pushed out) before it is sent."""
    now = datetime.now(UTC)
    with db.session() as session:
        due = list(
            session.scalars(
                select(WebhookDelivery.delivery_id)
                .where(and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now))
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(limit)
            )
        )
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    store = settings.open_store() if due else None
    for delivery_id in due:
        assert store is not None
        outcome = _send_one(db, settings, store, delivery_id, post)
        if outcome:
            counts[outcome] += 1
    return counts


def _with_download_urls(payload: str, settings: Settings, store: ArtifactStore) -> str:
    from symage_pipeline.app.signing import file_url
    from symage_pipeline.keys import dataset_key, download_key, manifest_key

    body = json.loads(payload)
    job_id = body["data"]["job_id"]
    archive = dataset_key(job_id) if store.exists(dataset_key(job_id)) else manifest_key(job_id)
    files = [
        (f"symage_{job_id}.zip" if archive == dataset_key(job_id) else "manifest.json", archive),
        (f"{job_id}.json", download_key(job_id, "json")),
        (f"{job_id}.csv", download_key(job_id, "csv")),
    ]
    body["data"]["download_urls"] = [{"filename": name, "url": file_url(settings, store, key)} for name, key in files]
    return json.dumps(body, separators=(",", ":"))


def _claim(
    db: Database, settings: Settings, store: ArtifactStore, delivery_id: str
) -> tuple[str, str, bytes, str, int] | None:
    with db.session() as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "pending":
            return None
        if aware(delivery.next_attempt_at) > datetime.now(UTC):
            return None
        webhook = session.get(Webhook, delivery.webhook_id)
        assert webhook is not None
        delivery.next_attempt_at = datetime.now(UTC) + timedelta(seconds=SEND_TIMEOUT + 20)  # the claim
        if delivery.attempts == 0 and delivery.event == "job.completed":
            delivery.payload = _with_download_urls(delivery.payload, settings, store)
        delivery.attempts += 1
        return webhook.url, webhook.secret, delivery.payload.encode(), delivery.event, delivery.attempts


def _send_one(db: Database, settings: Settings, store: ArtifactStore, delivery_id: str, post: Post) -> str | None:
    claimed = _claim(db, settings, store, delivery_id)
    if claimed is None:
        return None
    url, secret, body, event, attempts = claimed
    status, error = None, None
    if not settings.allow_private_webhooks and not _resolves_public(url):
        error = "refused: the URL does not resolve to a public address"
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "symage-webhooks/1",
            "X-Symagedocs-Signature": signature(secret, body),
            "X-Symagedocs-Event": event,
            "X-Symagedocs-Delivery": delivery_id,
        }
        try:
            status = post(url, body, headers)
        except Exception as exc:  # any network error is a failed attempt
            error = f"{type(exc).__name__}: {exc}"[:1000]
    delivered = status is not None and 200 <= status < 300
    with db.session() as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        assert delivery is not None
        delivery.response_status = status
        delivery.last_error = error if error else (None if delivered else f"HTTP {status}")
        if delivered:
            delivery.status, delivery.delivered_at = "delivered", datetime.now(UTC)
            return "delivered"
        if attempts > len(RETRY_DELAYS):
            delivery.status = "failed"
            return "failed"
        delivery.next_attempt_at = datetime.now(UTC) + timedelta(seconds=RETRY_DELAYS[attempts - 1])
        return "retrying"
