from __future__ import annotations

import json

import click

from symage_pipeline.catalog import load_catalog


def surfaces(form) -> list[str]:  # type: ignore[no-untyped-def]
    return ["typed", *(["handwritten"] if form.handwriting else []), *(["filled"] if form.fillable else [])]


@click.command()
@click.option("--category", default=None, help="Only forms of this category.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def forms(category: str | None, as_json: bool) -> None:
    """List the forms of the catalog: ids, names, categories and the surfaces each can render."""
    rows = [
        {"id": f.id, "name": f.name, "category": f.category, "fields": f.field_count, "surfaces": surfaces(f)}
        for f in load_catalog().list(category=category)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["id"]) for r in rows) if rows else 2
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['category']:<10}  {','.join(r['surfaces']):<24}  {r['name']}")
