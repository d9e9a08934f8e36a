"""`symage generate` makes the same dataset locally, through the same job."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner

from symage_pipeline.cli import main


def test_generate_writes_a_dataset(tmp_path) -> None:
    out = tmp_path / "w2.zip"
    result = CliRunner().invoke(main, ["generate", "irs_w2_2025", "-n", "3", "--seed", "7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sum(n.startswith("pdfs/typed/") for n in archive.namelist()) == 3
    again = tmp_path / "again.zip"
    CliRunner().invoke(main, ["generate", "irs_w2_2025", "-n", "3", "--seed", "7", "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_generate_reports_bad_input(tmp_path) -> None:
    result = CliRunner().invoke(main, ["generate", "irs_w99", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0
    assert "unknown_form" in result.output
