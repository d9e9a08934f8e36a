"""The gallery: one sample of every form x surface x degradation profile, as PNGs and an index page.

It is how a person sees what the service makes without running a job: ``symage gallery`` writes
``docs/gallery/`` (linked from the README). Each sample is made the way a job makes it -- the same
identities, coherence, renderers and degradations, from a fixed seed -- so the gallery changes
exactly when the output does. Only first pages are shown, at a modest dpi, so the folder stays a
few MB even with many forms. Images are the bytes a job ships: PNG for clean pages and faxes,
JPEG for scans and photos (their noise would make a PNG 5-8x larger, ~300 KB a thumbnail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from symage_pipeline import pipeline
from symage_pipeline.catalog import Catalog, FormDef
from symage_pipeline.cli.common import suggest
from symage_pipeline.render.raster import rasterize
from symage_pipeline.render.surfaces import render_document
from symage_pipeline.spec import GenerationSpec

PROFILES = ("clean", "scanned", "faxed", "photographed")
DPI = 100


@dataclass(frozen=True)
class Sample:
    form: FormDef
    surface: str
    profile: str
    path: Path  # relative to the gallery folder
    note: str  # writer and ink of a handwritten sample, legibility of a degraded one


def _formats(form: FormDef) -> tuple[str, ...]:
    formats = ["pdf_typed"]
    if form.handwriting:
        formats.append("pdf_handwritten")
    if form.fillable:
        formats.append("pdf_filled")
    return tuple(formats)


def build_gallery(
    catalog: Catalog, out_dir: Path, *, seed: int = 2025, progress: Callable[[str], None] | None = None
) -> list[Sample]:
    """Write every sample and ``README.md`` into ``out_dir``; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    for index, form in enumerate(catalog):
        spec = GenerationSpec(
            form_ids=(form.id,),
            quantity=1,
            output_formats=_formats(form),
            seed=seed + index,
            config={"request_options": {"ink_color": ("blue", "black", "red")[index % 3]}},
        )
        chunk = pipeline.Chunk("gallery", 0, 0, 1, spec)
        (doc,) = pipeline.fill(chunk, catalog, pipeline.identities(chunk))
        for name, surface in render_document(form, doc, spec).items():
            profiles = ("clean",) if name == "filled" else PROFILES  # pdf_filled is never degraded
            for profile in profiles:
                marks = [f.id for f in form.fields if f.type == "checkbox"]
                image = rasterize(surface, DPI, profile=profile, seed=seed, marks=marks)[0]
                path = Path(f"{form.id}__{name}__{profile}.{image.ext}")
                (out_dir / path).write_bytes(image.data)
                note = ""
                if name == "handwritten" and profile == "clean":
                    note = f"writer {surface.metadata.get('writer')}, {surface.metadata.get('ink_color')} ink"
                elif image.legibility:
                    note = "illegible: " + ", ".join(f"{i['field_id']} ({i['reason']})" for i in image.legibility)
                samples.append(Sample(form, name, profile, path, note))
                if progress:
                    progress(str(path))
    (out_dir / "README.md").write_text(index_page(samples), encoding="utf-8")
    return samples


def index_page(samples: list[Sample]) -> str:
    lines = [
        "# Gallery",
        "",
        "One sample of every form, surface and degradation profile, first page only, made by",
        f"`symage gallery` with the same pipeline a job runs (fixed seed), at {DPI} dpi (jobs default",
        "to 150), each in the encoding a job ships: 4-bit PNG, JPEG for scans and photos, 1-bit PNG",
        "for faxes. Click a thumbnail for the page. Notes list what the legibility audit flagged.",
        "",
    ]
    forms: dict[str, list[Sample]] = {}
    for s in samples:
        forms.setdefault(s.form.id, []).append(s)
    for form_id, group in forms.items():
        lines += [f"## {group[0].form.name} (`{form_id}`)", "", "| surface | " + " | ".join(PROFILES) + " |"]
        lines.append("|---" * (len(PROFILES) + 1) + "|")
        by_surface: dict[str, dict[str, Sample]] = {}
        for s in group:
            by_surface.setdefault(s.surface, {})[s.profile] = s
        for surface, row in by_surface.items():
            cells = []
            for profile in PROFILES:
                s = row.get(profile)
                cells.append(f"[<img src='{s.path}' width='180'>]({s.path})" if s else "—")
            lines.append(f"| {surface} | " + " | ".join(cells) + " |")
        notes = [f"{s.surface}/{s.profile}: {s.note}" for s in group if s.note]
        if notes:
            lines += ["", *[f"- {n}" for n in notes]]
        lines.append("")
    return "\n".join(lines)


@click.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/gallery"))
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option("--form", "form_ids", multiple=True, help="Only these forms (repeatable); default all.")
def gallery(output: Path, seed: int, form_ids: tuple[str, ...]) -> None:
    """Render one sample of every form x surface x degradation profile as page images (docs/gallery/)."""
    from symage_pipeline.catalog import load_catalog

    catalog = load_catalog()
    if form_ids:
        unknown = [f for f in form_ids if f not in catalog]
        if unknown:
            raise click.ClickException(f"unknown form {unknown[0]!r}.{suggest(unknown[0], catalog.ids())}")
        catalog = Catalog([catalog.get(f) for f in form_ids])
    samples = build_gallery(catalog, output, seed=seed, progress=lambda p: click.echo(f"  {p}"))
    click.echo(f"wrote {len(samples)} samples and {output / 'README.md'}")
