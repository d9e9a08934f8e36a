"""The forms ship inside the package: a wheel installed outside the checkout finds all of them."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel
ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installed_elsewhere_lists_the_twelve_forms(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("symage-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # Third-party packages from the test venv (a path line: its .pth files, and so the editable
    # install of this checkout, are not processed), the project itself only from the wheel.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    where = tmp_path / "elsewhere"
    where.mkdir()
    probe = (
        "import symage_pipeline, json; from symage_pipeline.catalog import load_catalog; "
        "print(json.dumps([symage_pipeline.__file__, load_catalog().ids()]))"
    )
    out = subprocess.run([str(python), "-c", probe], cwd=where, check=True, capture_output=True, text=True, timeout=120)
    location, ids = __import__("json").loads(out.stdout)
    assert location.startswith(site), location
    assert len(ids) == 12 and "irs_w2_2025" in ids
    listing = subprocess.run(
        [str(env_dir / "bin" / "symage"), "forms"], cwd=where, check=True, capture_output=True, text=True, timeout=120
    )
    assert len(listing.stdout.strip().splitlines()) == 12
    migrations = subprocess.run(
        [str(python), "-c", "from symage_pipeline.app.db import migrate; migrate('sqlite:///x.db'); print('ok')"],
        cwd=where, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrations.stdout.strip() == "ok", migrations.stderr
