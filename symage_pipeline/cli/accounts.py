"""`symage accounts`: accounts and API keys in the configured app DB, no server needed."""

from __future__ import annotations

import json

import click

from symage_pipeline.cli.common import fail
from symage_pipeline.errors import SymageError
from symage_pipeline.settings import get_settings


@click.group()
def accounts() -> None:
    """Manage accounts and API keys in the configured app DB (no server needed)."""


def _db():  # type: ignore[no-untyped-def]
    from symage_pipeline.app.db import Database

    return Database(get_settings().resolved_database_url)


def _run(action):  # type: ignore[no-untyped-def]
    try:
        with _db().session() as session:
            return action(session)
    except SymageError as exc:
        raise fail(exc) from exc


@accounts.command("set")
@click.argument("user_id")
@click.option("--credit-limit", type=int, default=None)
@click.option("--unlimited", is_flag=True, help="Remove the credit limit.")
@click.option("--tier", type=click.Choice(["free", "pro", "scale", "enterprise"]), default=None)
@click.option("--flag", "flags", multiple=True, help="Feature flag (repeatable); replaces the current set.")
@click.option("--confirm-above", type=int, default=None, help="Jobs costing more need confirmed_credits.")
@click.option("--no-confirm", is_flag=True, help="Never ask for spend confirmation.")
def set_account(
    user_id: str,
    credit_limit: int | None,
    unlimited: bool,
    tier: str | None,
    flags: tuple[str, ...],
    confirm_above: int | None,
    no_confirm: bool,
) -> None:
    """Create or update an account (like PUT /api/admin/accounts/{user_id})."""
    from symage_pipeline.app import accounts as acc

    changes: dict = {}
    if credit_limit is not None or unlimited:
        changes["credit_limit"] = None if unlimited else credit_limit
    if tier:
        changes["tier"] = tier
    if flags:
        changes["feature_flags"] = list(flags)
    if confirm_above is not None or no_confirm:
        changes["confirm_above"] = None if no_confirm else confirm_above
    default = get_settings().default_credits
    view = _run(lambda s: acc.account_view(s, acc.update_account(s, user_id, changes, default)))
    click.echo(json.dumps(view, indent=2))


@accounts.command("show")
@click.argument("user_id")
def show_account(user_id: str) -> None:
    from symage_pipeline.app import accounts as acc

    click.echo(json.dumps(_run(lambda s: acc.account_view(s, acc.get_account(s, user_id))), indent=2))


@accounts.command("create-key")
@click.argument("user_id")
@click.option("--name", default="cli", show_default=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["generate", "read", "account"]))
def create_key(user_id: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it (shown once)."""
    from symage_pipeline.app import accounts as acc

    default = get_settings().default_credits
    raw = _run(lambda s: acc.create_key(s, user_id, name, acc.validate_scopes(list(scopes) or None), default)[1])
    click.echo(raw)


@accounts.command("list-keys")
@click.argument("user_id")
def list_keys(user_id: str) -> None:
    from symage_pipeline.app import accounts as acc

    keys = _run(lambda s: [acc.key_view(k) for k in acc.list_keys(s, user_id)])
    click.echo(json.dumps(keys, indent=2))


@accounts.command("revoke-key")
@click.argument("user_id")
@click.argument("key_id")
def revoke_key(user_id: str, key_id: str) -> None:
    from symage_pipeline.app import accounts as acc

    _run(lambda s: acc.revoke_key(s, user_id, key_id))
    click.echo(f"revoked {key_id}")


@accounts.command("tokens")
def tokens() -> None:
    """Print the admin and internal tokens of this data dir (generated on first use)."""
    settings = get_settings()
    click.echo(json.dumps({n: settings.secret(n) for n in ("admin_token", "internal_token")}, indent=2))
