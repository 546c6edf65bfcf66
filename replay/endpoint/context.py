"""Who calls (the account and region their ARNs get) and what the server was started with."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]*/([^/]+)/")


@dataclass(frozen=True)
class Caller:
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    @classmethod
    def from_authorization(cls, header: str | None) -> "Caller":
        """From a SigV4 `Authorization` header (never checked): the region of its credential
        scope, and its access key id as the account when that is 12 digits (as LocalStack
        does), else the default account."""
        found = _CREDENTIAL.search(header or "")
        if not found:
            return cls()
        key, region = found.groups()
        return cls(key if re.fullmatch(r"\d{12}", key) else DEFAULT_ACCOUNT, region)

    def arn(self, kind: str, *names: str) -> str:
        return ":".join(["arn:aws:states", self.region, self.account, kind, *names])


@dataclass
class Server:
    """The db and the world the executions are answered by, and what the worker thread has
    queued: `pending` executions started but not yet run (ARN -> their start)."""

    db: Path
    mocks: Any = None  # the parsed MockConfigFile of --mock-config
    handlers_file: Path | None = None
    connections: Any = None  # EventBridge connections by ARN (TestState's HTTP Task requests)
    clock: Callable[[], int] = field(default=lambda: 0)  # wall clock, microseconds
    submit: Callable[[Callable[[], Any]], Any] = field(default=lambda job: job())
    pending: dict[str, dict] = field(default_factory=dict)
    poll_seconds: float = 60.0  # how long GetActivityTask waits for a task (AWS: 60 s)
    stopping: Callable[[], bool] = field(default=lambda: False)  # the server is shutting down
