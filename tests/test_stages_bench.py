"""The per-stage micro-benchmark runs and leaves the pipeline unwrapped (no timing asserts)."""

from __future__ import annotations

from benchmarks import stages
from processing import native, pipeline
from processing.resources import Resources


def test_stage_benchmark_reports_every_stage_and_restores_functions(capsys) -> None:  # type: ignore[no-untyped-def]
    before = (pipeline.tag, pipeline.simhash_marks, Resources.normalize)
    result = stages.run(posts=40, repeat=1, split=True)
    assert set(result) == {"analyze", "other", *stages.STAGES}
    if native.STATE.mode == "native":
        # Compiled modules call each other directly: the wrappers see nothing.
        assert result["analyze"] > 0
    else:
        assert all(result[name] > 0 for name in ("analyze", *stages.STAGES))
    assert (pipeline.tag, pipeline.simhash_marks, Resources.normalize) == before
    assert stages.main(["--posts", "20", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert f"mode       {native.STATE.mode} (" in out
    assert ("simhash" in out) == (native.STATE.mode != "native")
