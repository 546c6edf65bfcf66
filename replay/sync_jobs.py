"""What the call that starts a `.sync` job, or sends a `.waitForTaskToken` Task's token,
returns, as AWS records it in TaskSubmitted.

A `.sync` Task calls the service's start API (batch:SubmitJob, ecs:RunTask, glue:StartJobRun,
...), records its response in TaskSubmitted, then waits for the job; TaskSucceeded carries the
final describe result. A mock gives only that final result (or a failure whose cause may be
it), so the start response is projected from it: the identifiers the start call returned are
in the job's description. What the description lacks comes from the Task's parameters, else is
drawn from `rng` (a generator of the Task's own, so drawing never shifts the execution's).
The response carries the SdkHttpMetadata/SdkResponseMetadata AWS adds to it. Pure.

Seen in histories recorded on AWS: ecs:runTask.sync (`{Tasks: [the task, PROVISIONING],
Failures: []}` + metadata; TaskSucceeded the stopped task itself), glue:startJobRun.sync
(`JobRunId`, the metadata, then `JobName`, which Glue's response lacks: Content-Length 82 is
the length of `{"JobRunId":"jr_<64 hex>"}`), startExecution (metadata, json-1.0), athena
(the .sync result is GetQueryExecution's `{QueryExecution}`), batch (`{JobArn, JobId,
JobName}`), sqs:sendMessage.waitForTaskToken (`{MD5OfMessageBody, MessageId}`, json-1.0,
Content-Length 106) and sns:publish.waitForTaskToken (`{MessageId}`; text/xml, Content-Length
294: the length of Publish's XML response). The others follow the start API's response
syntax in the service's reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from replay.clock import MAX_MICROS, MIN_MICROS, to_datetime
from replay.events import to_json_text
from replay.rand import SeededRandom

_JSON_10 = "application/x-amz-json-1.0"
_JSON_11 = "application/x-amz-json-1.1"
_REST = "application/json"


@dataclass(frozen=True, slots=True)
class JobCall:
    """One start call: what the response is made from."""

    resource_type: str  # "batch", "ecs", ...
    action: str  # the API, without `.sync` / `.sync:2`: "submitJob", "runTask", ...
    parameters: Any  # the Task's effective parameters
    result: Any  # the job's final description (a mock's Return, a failure's JSON cause), or None
    region: str
    account: str
    now: int  # the virtual time of the call, in microseconds
    rng: SeededRandom


@dataclass(frozen=True, slots=True)
class _Response:
    fields: dict  # the service's response, in the casing Step Functions gives it
    added: dict | None = None  # what Step Functions adds after the metadata (not in the body)
    body: str | None = None  # the response's body when it is not the fields' JSON (XML)


def action_of(resource: str) -> str:
    """`submitJob.sync:2` -> `submitJob`."""
    return resource.partition(".")[0]


def task_rng(token: str) -> SeededRandom:
    """The generator of one Task invocation, seeded by its task token (itself drawn from the
    execution's seeded generator; a token given to TestState may be any text)."""
    try:
        return SeededRandom(int(token.replace("-", ""), 16))
    except ValueError:
        return SeededRandom(int.from_bytes(hashlib.sha256(token.encode()).digest()[:16], "big"))


def submit_output(call: JobCall) -> dict | None:
    """The TaskSubmitted output of the call; None for an integration whose start response is
    not known here."""
    shape = _SHAPES.get((call.resource_type, call.action))
    if shape is None:
        return None
    request_id = call.rng.uuid()
    response = shape(call)
    content_type = _CONTENT_TYPES[call.resource_type]
    # the service's body: these fields, their keys' first letter lower-case in some services
    # (batch, ecs, ...): the length, all that is recorded of it, is the same either way
    fields = {key: value for key, value in response.fields.items() if value is not None}
    length = len((response.body or to_json_text(fields)).encode())
    out = dict(response.fields)
    out.update(sdk_metadata(request_id, length, content_type, call.now))
    out.update(response.added or {})
    return {key: value for key, value in out.items() if value is not None}


def sdk_metadata(request_id: str, length: int, content_type: str, now: int) -> dict:
    """The HTTP facts Step Functions adds to an optimized integration's response."""
    headers = {
        "x-amzn-RequestId": request_id,
        "connection": "keep-alive",
        "Content-Length": str(length),
        "Date": http_date(now),
        "Content-Type": content_type,
    }
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": dict(sorted(headers.items(), key=lambda item: item[0].lower())),
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(micros: int) -> str:
    """`Mon, 11 Mar 2024 01:11:28 GMT` (English names whatever the locale)."""
    moment = to_datetime(min(max(micros, MIN_MICROS), MAX_MICROS))
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day}, {moment.day:02d} {month} {moment.year:04d} {moment:%H:%M:%S} GMT"


# --- reading the description and the parameters ---------------------------------------------


def _inner(value: Any, *keys: str) -> dict:
    """The object under the first of `keys` (a description wrapped as `{"Job": {...}}`), else
    the value itself; {} when it is not an object."""
    if not isinstance(value, dict):
        return {}
    for key in keys:
        inner = value.get(key)
        if isinstance(inner, dict):
            return inner
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            return inner[0]
    return value


def _text(source: Any, key: str) -> str | None:
    value = source.get(key) if isinstance(source, dict) else None
    return value if isinstance(value, str) and value else None


def _pick(call: JobCall, found: dict, key: str, param: str | None = None) -> str | None:
    """`key` of the description, else the parameter `param` (default: the same name)."""
    return _text(found, key) or _text(call.parameters, param or key)


def _arn(call: JobCall, service: str, rest: str) -> str:
    return f"arn:aws:{service}:{call.region}:{call.account}:{rest}"


def _chars(rng: SeededRandom, alphabet: str, n: int) -> str:
    return "".join(alphabet[rng.randint(0, len(alphabet) - 1)] for _ in range(n))


_HEX = "0123456789abcdef"
_UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"


def _millis(call: JobCall) -> int:
    return call.now // 1000


def _started(found: dict, drop: tuple[str, ...], **now: Any) -> dict:
    """The description as it was when the job was started: what only an ended job has left
    out, its status back to the start's."""
    out = {k: v for k, v in found.items() if k not in drop}
    out.update(now)
    return out


# --- the services ----------------------------------------------------------------------------


def _batch(call: JobCall) -> _Response:
    job = _inner(call.result, "Jobs")
    job_id = _text(job, "JobId") or call.rng.uuid()
    arn = _text(job, "JobArn") or _arn(call, "batch", f"job/{job_id}")
    return _Response({"JobArn": arn, "JobId": job_id, "JobName": _pick(call, job, "JobName")})


_ECS_ENDED = (
    "StoppedAt",
    "StoppingAt",
    "StoppedReason",
    "StopCode",
    "ExecutionStoppedAt",
    "PullStartedAt",
    "PullStoppedAt",
    "StartedAt",
    "Connectivity",
    "ConnectivityAt",
)
_CONTAINER_KEPT = ("ContainerArn", "Cpu", "GpuIds", "Image", "ManagedAgents", "Memory", "Name")


def _ecs(call: JobCall) -> _Response:
    task = _inner(call.result, "Tasks")
    cluster = _pick(call, task, "ClusterArn", "Cluster") or "default"
    if not cluster.startswith("arn:"):
        cluster = _arn(call, "ecs", f"cluster/{cluster}")
    task_arn = _text(task, "TaskArn") or _arn(
        call, "ecs", f"task/{cluster.rsplit('/', 1)[-1]}/{_chars(call.rng, _HEX, 32)}"
    )
    started = _started(task, _ECS_ENDED, LastStatus="PROVISIONING", DesiredStatus="RUNNING")
    started.update(ClusterArn=cluster, TaskArn=task_arn, Version=1)
    started.setdefault("CreatedAt", _millis(call))
    for key in ("LaunchType", "StartedBy", "Group", "PlatformVersion"):
        if key not in started and _text(call.parameters, key):
            started[key] = call.parameters[key]
    definition = _pick(call, task, "TaskDefinitionArn", "TaskDefinition")
    if definition:
        started["TaskDefinitionArn"] = definition
    started["Containers"] = [
        _container(c, task_arn) for c in task.get("Containers") or [] if isinstance(c, dict)
    ]
    return _Response({"Tasks": [dict(sorted(started.items()))], "Failures": []})


def _container(container: dict, task_arn: str) -> dict:
    out = {k: container[k] for k in _CONTAINER_KEPT if k in container}
    out.update(LastStatus="PENDING", NetworkBindings=[], NetworkInterfaces=[], TaskArn=task_arn)
    return dict(sorted(out.items()))


def _glue(call: JobCall) -> _Response:
    run = _inner(call.result, "JobRun")
    run_id = _text(run, "Id") or _text(run, "JobRunId") or "jr_" + _chars(call.rng, _HEX, 64)
    added = {"JobName": _pick(call, run, "JobName")}  # Step Functions adds it: not in Glue's
    return _Response({"JobRunId": run_id}, added)  # response (recorded histories show it last)


def _codebuild(call: JobCall, batch: bool) -> _Response:
    key = "BuildBatch" if batch else "Build"
    build = _inner(call.result, key)
    project = _pick(call, build, "ProjectName") or "project"
    build_id = _text(build, "Id") or f"{project}:{call.rng.uuid()}"
    arn = _text(build, "Arn") or _arn(
        call, "codebuild", f"{'build-batch' if batch else 'build'}/{build_id}"
    )
    status = {"BuildBatchStatus" if batch else "BuildStatus": "IN_PROGRESS"}
    started = _started(
        build,
        ("EndTime", "Phases", "Complete"),  # a build's BuildComplete: set below
        **status,
        CurrentPhase="SUBMITTED" if batch else "QUEUED",
    )
    started.update(Id=build_id, Arn=arn, ProjectName=project)
    started.setdefault("StartTime", _millis(call))
    if not batch:
        started["BuildComplete"] = False
    return _Response({key: dict(sorted(started.items()))})


def _athena(call: JobCall) -> _Response:
    execution = _inner(call.result, "QueryExecution")
    return _Response({"QueryExecutionId": _text(execution, "QueryExecutionId") or call.rng.uuid()})


# createXJob.sync: (the ARN's field, the ARN's resource kind, the name's field)
_SAGEMAKER = {
    "createTrainingJob": ("TrainingJobArn", "training-job", "TrainingJobName"),
    "createTransformJob": ("TransformJobArn", "transform-job", "TransformJobName"),
    "createProcessingJob": ("ProcessingJobArn", "processing-job", "ProcessingJobName"),
    "createLabelingJob": ("LabelingJobArn", "labeling-job", "LabelingJobName"),
    "createHyperParameterTuningJob": (
        "HyperParameterTuningJobArn",
        "hyper-parameter-tuning-job",
        "HyperParameterTuningJobName",
    ),
}


def _sagemaker(call: JobCall) -> _Response:
    field, kind, name_field = _SAGEMAKER[call.action]
    found = _inner(call.result)
    name = _pick(call, found, name_field) or call.rng.uuid()
    arn = _text(found, field) or _arn(call, "sagemaker", f"{kind}/{name.lower()}")
    return _Response({field: arn})


def _emr_add_step(call: JobCall) -> _Response:
    step = _inner(call.result, "Step")
    step_id = _text(step, "Id") or _text(step, "StepId") or "s-" + _chars(call.rng, _UPPER, 13)
    return _Response({"StepId": step_id})


def _emr_create_cluster(call: JobCall) -> _Response:
    cluster = _inner(call.result, "Cluster")
    cluster_id = _text(cluster, "Id") or _text(cluster, "ClusterId")
    cluster_id = cluster_id or "j-" + _chars(call.rng, _UPPER, 13)
    arn = _text(cluster, "ClusterArn") or _arn(call, "elasticmapreduce", f"cluster/{cluster_id}")
    return _Response({"ClusterId": cluster_id, "ClusterArn": arn})


def _emr_containers(call: JobCall) -> _Response:
    run = _inner(call.result, "JobRun")
    run_id = _text(run, "Id") or _chars(call.rng, _LOWER, 19)
    cluster = _pick(call, run, "VirtualClusterId")
    arn = _text(run, "Arn") or _arn(
        call, "emr-containers", f"/virtualclusters/{cluster}/jobruns/{run_id}"
    )
    fields = {"Id": run_id, "Name": _pick(call, run, "Name"), "Arn": arn}
    return _Response({**fields, "VirtualClusterId": cluster})


def _emr_serverless(call: JobCall) -> _Response:
    run = _inner(call.result, "JobRun")
    application = _pick(call, run, "ApplicationId")
    run_id = _text(run, "JobRunId") or _chars(call.rng, _LOWER, 16)
    arn = _text(run, "Arn") or _arn(
        call, "emr-serverless", f"/applications/{application}/jobruns/{run_id}"
    )
    return _Response({"ApplicationId": application, "JobRunId": run_id, "Arn": arn})


def _emr_serverless_application(call: JobCall) -> _Response:
    found = _inner(call.result, "Application")
    application = _pick(call, found, "ApplicationId") or _chars(call.rng, _LOWER, 16)
    arn = _text(found, "Arn") or _arn(call, "emr-serverless", f"/applications/{application}")
    return _Response({"ApplicationId": application, "Name": _pick(call, found, "Name"), "Arn": arn})


def _databrew(call: JobCall) -> _Response:
    run = _inner(call.result, "JobRun")
    return _Response({"RunId": _text(run, "RunId") or "db_" + _chars(call.rng, _HEX, 64)})


def _bedrock(call: JobCall) -> _Response:
    job = _inner(call.result)
    arn = _text(job, "JobArn") or _arn(
        call, "bedrock", f"model-customization-job/{_chars(call.rng, _LOWER, 12)}"
    )
    return _Response({"JobArn": arn})


def _mediaconvert(call: JobCall) -> _Response:
    job = _inner(call.result, "Job")
    job_id = _text(job, "Id") or f"{_millis(call)}-{_chars(call.rng, _LOWER, 6)}"
    started = _started(job, ("ErrorCode", "ErrorMessage", "OutputGroupDetails"), Status="SUBMITTED")
    started.update(Id=job_id, Arn=_text(job, "Arn") or _arn(call, "mediaconvert", f"jobs/{job_id}"))
    return _Response({"Job": dict(sorted(started.items()))})


def _eks(call: JobCall, key: str, status: str) -> _Response:
    """createCluster/deleteCluster/createNodegroup/deleteNodegroup: the resource as the call
    left it (CREATING, DELETING)."""
    param = "NodegroupName" if key == "Nodegroup" else "Name"
    found = _inner(call.result, key)
    started = _started(found, (), Status=status)
    name = _pick(call, found, param)
    if name is not None:
        started[param] = name
    return _Response({key: dict(sorted(started.items()))})


def _start_execution(call: JobCall) -> _Response:
    """A mocked states:startExecution.sync (an unmocked one runs a real child execution)."""
    found = _inner(call.result)
    machine = _text(call.parameters, "StateMachineArn") or ""
    machine_name = machine.split(":")[6] if machine.count(":") >= 6 else "StateMachine"
    name = _text(call.parameters, "Name") or call.rng.uuid()
    arn = _text(found, "ExecutionArn") or _arn(call, "states", f"execution:{machine_name}:{name}")
    start = found.get("StartDate")
    return _Response({"ExecutionArn": arn, "StartDate": start or _millis(call)})


def _empty(call: JobCall) -> _Response:
    return _Response({})


def _sqs_send(call: JobCall) -> _Response:
    """SendMessage: the body's MD5 as sent (a JSON MessageBody is sent as its text)."""
    body = call.parameters.get("MessageBody") if isinstance(call.parameters, dict) else None
    text = body if isinstance(body, str) else to_json_text(body)
    digest = hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return _Response({"MD5OfMessageBody": digest, "MessageId": call.rng.uuid()})


def _sns_publish(call: JobCall) -> _Response:
    """Publish: a query-protocol service, whose body is XML (only its length is recorded: the
    request id in it stands for the header's, of the same length)."""
    message_id = call.rng.uuid()
    request_id = "0" * len(message_id)
    xml = (
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n'
        f"  <PublishResult>\n    <MessageId>{message_id}</MessageId>\n  </PublishResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        "  </ResponseMetadata>\n</PublishResponse>\n"
    )
    return _Response({"MessageId": message_id}, body=xml)


_SHAPES: dict[tuple[str, str], Callable[[JobCall], _Response]] = {
    ("batch", "submitJob"): _batch,
    ("ecs", "runTask"): _ecs,
    ("glue", "startJobRun"): _glue,
    ("codebuild", "startBuild"): lambda call: _codebuild(call, False),
    ("codebuild", "startBuildBatch"): lambda call: _codebuild(call, True),
    ("athena", "startQueryExecution"): _athena,
    **{("sagemaker", action): _sagemaker for action in _SAGEMAKER},
    ("elasticmapreduce", "addStep"): _emr_add_step,
    ("elasticmapreduce", "createCluster"): _emr_create_cluster,
    ("elasticmapreduce", "terminateCluster"): _empty,
    ("emr-containers", "startJobRun"): _emr_containers,
    ("emr-serverless", "startJobRun"): _emr_serverless,
    ("emr-serverless", "createApplication"): _emr_serverless_application,
    ("emr-serverless", "startApplication"): _empty,
    ("emr-serverless", "stopApplication"): _empty,
    ("emr-serverless", "deleteApplication"): _empty,
    ("databrew", "startJobRun"): _databrew,
    ("bedrock", "createModelCustomizationJob"): _bedrock,
    ("mediaconvert", "createJob"): _mediaconvert,
    ("eks", "createCluster"): lambda call: _eks(call, "Cluster", "CREATING"),
    ("eks", "deleteCluster"): lambda call: _eks(call, "Cluster", "DELETING"),
    ("eks", "createNodegroup"): lambda call: _eks(call, "Nodegroup", "CREATING"),
    ("eks", "deleteNodegroup"): lambda call: _eks(call, "Nodegroup", "DELETING"),
    ("states", "startExecution"): _start_execution,
    ("sqs", "sendMessage"): _sqs_send,
    ("sns", "publish"): _sns_publish,
}

# resource type: the response's Content-Type
_CONTENT_TYPES: dict[str, str] = {
    "batch": _REST,
    "ecs": _JSON_11,
    "glue": _JSON_11,
    "codebuild": _JSON_11,
    "athena": _JSON_11,
    "sagemaker": _JSON_11,
    "elasticmapreduce": _JSON_11,
    "emr-containers": _REST,
    "emr-serverless": _REST,
    "databrew": _REST,
    "bedrock": _REST,
    "mediaconvert": _REST,
    "eks": _REST,
    "states": _JSON_10,
    "sqs": _JSON_10,
    "sns": "text/xml",
}
