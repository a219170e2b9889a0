"""The example notebook runs end to end on a fixed database (nbclient + ipykernel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.fixed import DAY

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "pantau_analisis.ipynb"
ROOT = NOTEBOOK.parent.parent


def test_example_notebook_executes(fixed_db, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PANTAU_DB", str(tmp_path / "fixed.db"))
    monkeypatch.setenv("PANTAU_END", DAY.isoformat())
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})  # fmt: skip
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # 13 history days (pupr 26, dlh 20, dishub 13, bpbd 7) + 14 stories on the last day
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "RINGKASAN 80 sebutan; 11 keluhan hari terakhir; 4 sumber" in text
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs
                   if o.output_type == "execute_result")  # fmt: skip
    assert "Cibinong" in html and "dlh" in html
