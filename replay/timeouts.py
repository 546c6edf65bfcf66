"""When a Task times out: its TimeoutSeconds and HeartbeatSeconds against the time its answer
took and the heartbeats it sent."""

from __future__ import annotations

from replay.asl import errors
from replay.clock import MICROS
from replay.world import TaskAnswer


def timeouts(
    answer: TaskAnswer,
    delay: int,
    timeout: int | None,
    heartbeat: int | None,
    start: int = 0,
) -> list[tuple[int, str]]:
    """When and on which error the task times out, in microseconds after it started: the
    timeout an answer says it timed out on (injected: on its limit; recorded: when it did),
    else each limit its delay reaches. The gaps between heartbeats count for HeartbeatSeconds
    (a mocked or handled task sends none: its whole delay is one gap), from `start` on (an
    activity's: when a worker started it; before that, only TimeoutSeconds counts)."""
    if answer.timed_out is not None:
        if delay:
            return [(delay, answer.timed_out)]
        seconds = heartbeat if answer.timed_out == errors.HEARTBEAT_TIMEOUT else timeout
        return [((seconds or 0) * MICROS, answer.timed_out)]
    found = []
    if heartbeat is not None:
        beats = [start, *answer.heartbeats, delay]
        late = next((a for a, b in zip(beats, beats[1:]) if b - a >= heartbeat * MICROS), None)
        if late is not None:
            found.append((late + heartbeat * MICROS, errors.HEARTBEAT_TIMEOUT))
    if timeout is not None and delay >= timeout * MICROS:
        found.append((timeout * MICROS, errors.TIMEOUT))
    return found
