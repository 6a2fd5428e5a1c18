"""Test-wide settings.

Hypothesis: `bash scripts/test` (and so CI) runs the property tests with the "ci" profile,
derandomized, so a run is reproducible and a red CI always means a real, re-runnable failure.
A plain `pytest` explores new random examples every run (the "explore" profile): run it that
way while working on the engine, and add any failure it finds as an `@example`.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explore"))
