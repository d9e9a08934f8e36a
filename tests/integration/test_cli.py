"""`symage generate` makes the same dataset locally, through the same job."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

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


def test_version_and_forms_list_the_catalog() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.startswith("symage, version ")
    listing = runner.invoke(main, ["forms"])
    assert listing.exit_code == 0
    lines = listing.output.strip().splitlines()
    assert len(lines) == 12
    w2 = next(line for line in lines if line.startswith("irs_w2_2025 "))
    assert "tax" in w2 and "typed,handwritten,filled" in w2


def test_a_mistyped_form_or_format_suggests_the_closest(tmp_path) -> None:
    result = CliRunner().invoke(main, ["generate", "irs_w2", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0
    assert "Did you mean 'irs_w2_2025'?" in result.output and "irs_f1040_2024" in result.output
    result = CliRunner().invoke(
        main, ["generate", "irs_w2_2025", "--format", "pdf_typd", "-o", str(tmp_path / "x.zip")]
    )
    assert "Did you mean 'pdf_typed'?" in result.output and "png_handwritten" in result.output


def test_generate_keeps_dagster_quiet_unless_verbose(tmp_path) -> None:
    out = tmp_path / "w2.zip"
    bindir = Path(sys.executable).parent
    args = [str(bindir / "symage"), "generate", "irs_w2_2025", "-n", "1", "-o", str(out)]
    quiet = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert "DEBUG" not in quiet.stderr and "STEP_START" not in quiet.stderr
    loud = subprocess.run([*args, "--verbose"], capture_output=True, text=True, timeout=120)
    assert "STEP_START" in loud.stderr


def test_check_answers_a_bad_file_in_one_line_and_lists_only_rules_that_ran(tmp_path) -> None:
    bad = tmp_path / "notes.zip"
    bad.write_text("not a zip")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    out = tmp_path / "w2.zip"
    CliRunner().invoke(main, ["generate", "irs_w2_2025", "-n", "2", "--seed", "3", "-o", str(out)])
    brief = CliRunner().invoke(main, ["check", str(out)]).output
    full = CliRunner().invoke(main, ["check", str(out), "--verbose"]).output
    assert "tie.claim_intake" not in brief and "tie.claim_intake" in full
    assert "ssn.valid" in brief


def test_tabular_writes_a_table_from_a_sentence(tmp_path) -> None:
    out = tmp_path / "people.csv"
    args = ["tabular", "first name, age, city", "-n", "1000", "--seed", "3", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "first_name,age,city" and len(lines) == 1001
    again = tmp_path / "again.csv"
    assert CliRunner().invoke(main, [*args[:-1], str(again)]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_tabular_takes_a_schema_file_and_writes_json_by_suffix(tmp_path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text('[{"name": "id", "type": "uuid"}, {"name": "ok", "type": "boolean"}]')
    out = tmp_path / "rows.json"
    result = CliRunner().invoke(main, ["tabular", "--schema", str(schema), "-n", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    import json

    records = json.loads(out.read_text())
    assert len(records) == 20 and set(records[0]) == {"id", "ok"} and isinstance(records[0]["ok"], bool)


def test_tabular_answers_bad_input_in_one_line(tmp_path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text('[{"name": "n", "type": "number_integer", "constraints": {"min": 9, "max": 1}}]')
    bad = CliRunner().invoke(main, ["tabular", "--schema", str(schema), "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0 and "invalid_constraints" in bad.output and "'n'" in bad.output
    fmt = CliRunner().invoke(main, ["tabular", "age", "-o", str(tmp_path / "x.xlsx")])
    assert fmt.exit_code != 0 and "invalid_output_format" in fmt.output and "csv" in fmt.output
    assert not (tmp_path / "x.csv").exists()
