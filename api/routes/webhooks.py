"""Webhook management, on the client's surface (`/api/v1/webhooks`, Bearer key with the `account`
scope) and the manual's (`/api/internal/webhooks`, the web app's session: `x-user-id` with
`X-Internal-Token`). One set of handlers serves both; only who the caller is differs."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.access import SessionUser, require_scope
from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.common import Envelope, error_responses
from api.schemas.webhooks import DeliveryView, WebhookCreate, WebhookUpdate, WebhookView
from symage_pipeline.app import accounts
from symage_pipeline.app import webhooks as hooks


def _bearer_user(principal: Annotated[Any, Depends(require_scope("account"))]) -> str:
    return principal.user_id


def _session_user(user_id: SessionUser) -> str:
    return user_id


def build_router(prefix: str, who: Callable[..., str], *, in_schema: bool) -> APIRouter:
    router = APIRouter(
        prefix=prefix, tags=["webhooks"], include_in_schema=in_schema, responses=error_responses(400, 401, 404, 422)
    )
    User = Annotated[str, Depends(who)]

    @router.post("", response_model=Envelope[WebhookView])
    def create(body: WebhookCreate, user_id: User, services: ServicesDep) -> dict:
        """Subscribe a URL; the signing secret is in this answer only."""
        with services.db.session() as session:
            accounts.get_or_create_account(session, user_id, services.settings.default_credits)
            webhook, secret = hooks.create_webhook(
                session, services.settings, user_id, body.url, body.events, body.description
            )
            return envelope(hooks.webhook_view(webhook, secret=secret))

    @router.get("", response_model=Envelope[list[WebhookView]])
    def list_(
        user_id: User, services: ServicesDep, limit: int = Query(20, ge=1, le=100), cursor: str | None = None
    ) -> dict:
        with services.db.session() as session:
            rows, next_cursor = hooks.list_webhooks(session, user_id, limit=limit, cursor=cursor)
            views = [hooks.webhook_view(w) for w in rows]
        return envelope(views, count=len(views), has_more=next_cursor is not None, next_cursor=next_cursor)

    @router.patch("/{webhook_id}", response_model=Envelope[WebhookView])
    def update(webhook_id: str, body: WebhookUpdate, user_id: User, services: ServicesDep) -> dict:
        with services.db.session() as session:
            changes = body.model_dump(exclude_unset=True)
            webhook = hooks.update_webhook(session, services.settings, user_id, webhook_id, changes)
            return envelope(hooks.webhook_view(webhook))

    @router.delete("/{webhook_id}", status_code=204, response_class=Response)
    def delete(webhook_id: str, user_id: User, services: ServicesDep) -> Response:
        """Soft delete: deliveries stop at once; the record stays for audit."""
        with services.db.session() as session:
            hooks.delete_webhook(session, user_id, webhook_id)
        return Response(status_code=204)

    @router.post("/{webhook_id}/rotate", response_model=Envelope[WebhookView])
    def rotate(webhook_id: str, user_id: User, services: ServicesDep) -> dict:
        with services.db.session() as session:
            webhook, secret = hooks.rotate_secret(session, user_id, webhook_id)
            return envelope(hooks.webhook_view(webhook, secret=secret))

    @router.get("/{webhook_id}/deliveries", response_model=Envelope[list[DeliveryView]])
    def deliveries(
        webhook_id: str,
        user_id: User,
        services: ServicesDep,
        limit: int = Query(20, ge=1, le=100),
        cursor: str | None = None,
    ) -> dict:
        with services.db.session() as session:
            rows, next_cursor = hooks.list_deliveries(session, user_id, webhook_id, limit=limit, cursor=cursor)
            views = [hooks.delivery_view(d) for d in rows]
        return envelope(views, count=len(views), has_more=next_cursor is not None, next_cursor=next_cursor)

    @router.post("/{webhook_id}/deliveries/{delivery_id}/retry", response_model=Envelope[DeliveryView])
    def retry(webhook_id: str, delivery_id: str, user_id: User, services: ServicesDep) -> dict:
        """Send a delivery again now: same id, same signed bytes."""
        with services.db.session() as session:
            return envelope(hooks.delivery_view(hooks.retry_delivery(session, user_id, webhook_id, delivery_id)))

    @router.post("/{webhook_id}/test", response_model=Envelope[DeliveryView])
    def test(webhook_id: str, user_id: User, services: ServicesDep) -> dict:
        """Queue a signed `webhook.test` event to this URL."""
        with services.db.session() as session:
            return envelope(hooks.delivery_view(hooks.enqueue_test(session, user_id, webhook_id)))

    return router


router = build_router("/webhooks", _bearer_user, in_schema=True)
internal_router = build_router("/api/internal/webhooks", _session_user, in_schema=False)
