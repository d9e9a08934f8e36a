"""`symage gallery`: every surface x profile of a form as an image, and an index page linking them."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from symage_pipeline.cli import main


def test_gallery_renders_every_surface_and_profile_of_a_form(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["gallery", "-o", str(tmp_path), "--form", "irs_w2_2025"])
    assert result.exit_code == 0, result.output
    images = sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".png", ".jpg"))
    expected = {
        f"irs_w2_2025__{s}__{p}"
        for s in ("typed", "handwritten")
        for p in ("clean", "scanned", "faxed", "photographed")
    }
    assert {n.rsplit(".", 1)[0] for n in images} == expected | {"irs_w2_2025__filled__clean"}
    for name in images:
        assert Image.open(tmp_path / name).size == (850, 1100)  # letter page at 100 dpi
    index = (tmp_path / "README.md").read_text()
    assert set(re.findall(r"\]\(([^)]+)\)", index)) == set(images)  # every image linked, no dead links
    assert CliRunner().invoke(main, ["gallery", "-o", str(tmp_path), "--form", "nope"]).exit_code != 0
