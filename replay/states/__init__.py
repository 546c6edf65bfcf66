"""One handler per state type. A handler runs a state's body and returns (next, output);
generator handlers may wait (virtual time, child frames), plain ones finish in one go."""

from replay.states.choice_state import run_choice
from replay.states.map_state import run_map
from replay.states.parallel_state import run_parallel
from replay.states.simple import run_fail, run_pass, run_succeed
from replay.states.task_state import run_task
from replay.states.wait_state import run_wait

HANDLERS = {
    "Pass": (run_pass, False),
    "Choice": (run_choice, False),
    "Succeed": (run_succeed, False),
    "Fail": (run_fail, False),
    "Task": (run_task, True),
    "Wait": (run_wait, True),
    "Parallel": (run_parallel, True),
    "Map": (run_map, True),
}
