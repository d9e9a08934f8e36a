"""The app database: accounts, keys, jobs and the credit ledger (SQLite by default, PostgreSQL in production)."""

from symage_pipeline.app.db.models import (
    Account,
    ApiKey,
    Base,
    CreditEntry,
    IdempotencyKey,
    Job,
    Webhook,
    WebhookDelivery,
)
from symage_pipeline.app.db.session import Database, migrate

__all__ = [
    "Account",
    "ApiKey",
    "Base",
    "CreditEntry",
    "Database",
    "IdempotencyKey",
    "Job",
    "Webhook",
    "WebhookDelivery",
    "migrate",
]
