"""`pip install .` ships the policies, deploy files and systemd unit inside the wheel."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_policies_and_deploy_files(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("brandguard-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("brandguard/data/policies/default.yaml", "brandguard/data/policies/freemail.yaml",
                     "brandguard/data/policies/brands/10-vendors.yaml", "brandguard/data/deploy/grafana/brandguard.json",
                     "brandguard/data/deploy/prometheus/alerts.yml", "brandguard/data/systemd/brandguard.service",
                     "brandguard/cli.py", "brandguard/checks/brand_claim.py", "brandguard/web/templates/base.html",
                     "brandguard/web/static/style.css", "brandguard/data/systemd/brandguard-web.service",
                     "brandguard/data/deploy/sudoers.d/brandguard-web"):
        assert expected in names, expected
    assert not any(n.startswith(("milter/", "Milter/", "mime")) for n in names)
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "brandguard = brandguard.cli:main" in entry
