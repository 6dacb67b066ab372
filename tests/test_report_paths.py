"""A published notebook names no folder of the user's machine (the release check refuses one)."""

from __future__ import annotations

import nbformat

from toolkit.reports.runner import ReportJob, without_machine_paths


def test_the_executed_notebook_keeps_folder_names_only():
    job = ReportJob(
        report="evaluation_report",
        cohort="clacton",
        study_dir="/home/jo.bloggs/secure/surveys/clacton_2026",
        outputs_dir="/home/jo.bloggs/secure/outputs/clacton_2026",
        template="/opt/lxt/notebooks/evaluation_report.ipynb",
        threshold=8,
        seed=7,
        title="Clacton",
    )
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('study_dir = "/home/jo.bloggs/secure/surveys/clacton_2026"')
    cell.metadata["tags"] = ["injected-parameters"]
    first = nbformat.v4.new_code_cell("x = 1")
    first.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="/opt/venv/tqdm/auto.py:21: Warning"),
        nbformat.v4.new_output("stream", name="stdout", text="Made on 1 December"),
    ]
    nb.cells = [first, cell]
    nb.metadata["papermill"] = {
        "parameters": job.parameters,
        "input_path": job.template,
        "output_path": "/home/jo.bloggs/secure/outputs/x/evaluation_report.ipynb",
    }
    cleaned = without_machine_paths(nb, job)
    text = nbformat.writes(cleaned)
    assert "jo.bloggs" not in text and "/opt/" not in text
    assert "study_dir = 'clacton_2026'" in cleaned.cells[1].source
    assert "outputs_dir = 'outputs/clacton_2026'" in cleaned.cells[1].source
    assert "cohort = 'clacton'" in cleaned.cells[1].source
    assert cleaned.metadata["papermill"]["parameters"]["disclosure_threshold"] == 8
    assert cleaned.metadata["papermill"]["input_path"] == "evaluation_report.ipynb"
    assert cleaned.cells[0].source == "x = 1"
    assert [o["text"] for o in cleaned.cells[0].outputs] == ["Made on 1 December"]
