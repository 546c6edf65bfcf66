"""The pytest plugin of sfn-replay (entry point `sfn_replay`): the `sfn_replay` fixture, the
Python API bound to a temporary db (`replay.testing.SfnReplay`). Check executions with
`replay.testing.assert_execution` (or the fixture's own `assert_execution`)."""

from __future__ import annotations

import pytest


@pytest.fixture
def sfn_replay(tmp_path_factory: pytest.TempPathFactory):
    """A `replay.testing.SfnReplay` over a fresh temporary db."""
    from replay.testing import SfnReplay  # imported here: loading the plugin stays cheap

    return SfnReplay(tmp_path_factory.mktemp("sfn-replay") / "db")
