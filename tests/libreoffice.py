"""Driving LibreOffice Calc headless, as a user's office program would."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile() -> Path:
    # one profile per process: two LibreOffice runs sharing a profile hand their work to each other and fail
    root = Path(tempfile.gettempdir()) / f"gnbv-lo-profile-{os.getuid()}-{os.getpid()}"
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return root


def convert(source: Path, target_format: str, outdir: Path, *, timeout: int = 240) -> Path:
    """Open source in Calc (recalculating every formula), save as target_format in outdir.

    target_format is what --convert-to takes: "xlsx", "ods", "pdf", or "xlsx:Calc MS Excel 2007 XML".
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        exe,
        f"-env:UserInstallation={_profile().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target_format,
        "--outdir",
        str(outdir),
        str(source),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    suffix = target_format.split(":", 1)[0]
    produced = outdir / f"{source.stem}.{suffix}"
    if result.returncode != 0 or not produced.exists():
        raise RuntimeError(f"LibreOffice failed: {result.returncode} {result.stdout} {result.stderr}")
    return produced
