"""The errors that mean "bad input or configuration": the CLI prints them and exits 2."""

from __future__ import annotations

from replay.definition import InvalidDefinition
from replay.engine import NoTaskAnswer
from replay.faults import FaultError
from replay.redrive import RedriveError
from replay.runner import RunError
from replay.timetravel import PositionError
from replay.transfer import HistoryFormatError
from replay.world import HandlerError, MockConfigError
from store import StoreError

EXPECTED_ERRORS = (
    InvalidDefinition,
    RunError,
    MockConfigError,
    HandlerError,
    NoTaskAnswer,
    StoreError,
    PositionError,
    HistoryFormatError,
    FaultError,
    RedriveError,
)
