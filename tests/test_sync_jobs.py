"""The start call's response a `.sync` Task records in TaskSubmitted, per service: projected
from the job's final description (a mock's answer), else from the Task's parameters, else
drawn from the Task's own generator; with the HTTP metadata AWS adds."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from replay.rand import SeededRandom
from replay.sync_jobs import JobCall, action_of, http_date, submit_output, task_rng

NOW = 1_710_119_488_000_000  # Mon, 11 Mar 2024 01:11:28 GMT
META = ("SdkHttpMetadata", "SdkResponseMetadata")


def call(resource_type: str, action: str, result=None, parameters=None, seed: int = 7):
    return JobCall(
        resource_type,
        action,
        parameters or {},
        result,
        "eu-west-1",
        "111122223333",
        NOW,
        SeededRandom(seed),
    )


def fields(out: dict) -> dict:
    return {k: v for k, v in out.items() if k not in META}


def test_batch_takes_the_job_s_identifiers_from_its_description():
    job = {"JobArn": "arn:aws:batch:eu-west-1:1:job/j1", "JobId": "j1", "JobName": "n"}
    out = submit_output(call("batch", "submitJob", {**job, "Status": "SUCCEEDED"}))
    assert fields(out) == job
    assert list(out) == ["JobArn", "JobId", "JobName", *META]


def test_batch_without_a_description_names_the_job_from_its_parameters_and_draws_its_id():
    out = submit_output(call("batch", "submitJob", None, {"JobName": "nightly"}))
    job_id = out["JobId"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", job_id
    )
    assert out["JobArn"] == f"arn:aws:batch:eu-west-1:111122223333:job/{job_id}"
    assert out["JobName"] == "nightly"


def test_batch_reads_a_describe_jobs_response_too():
    out = submit_output(call("batch", "submitJob", {"Jobs": [{"JobId": "j2", "JobName": "x"}]}))
    assert (out["JobId"], out["JobName"]) == ("j2", "x")


def test_the_metadata_is_the_http_response_s():
    out = submit_output(call("batch", "submitJob", {"JobId": "j", "JobName": "n", "JobArn": "a"}))
    http = out["SdkHttpMetadata"]
    request_id = out["SdkResponseMetadata"]["RequestId"]
    body = json.dumps({"jobArn": "a", "jobId": "j", "jobName": "n"}, separators=(",", ":"))
    assert http["HttpHeaders"] == {
        "connection": "keep-alive",
        "Content-Length": str(len(body)),
        "Content-Type": "application/json",
        "Date": "Mon, 11 Mar 2024 01:11:28 GMT",
        "x-amzn-RequestId": request_id,
    }
    assert http["AllHttpHeaders"] == {k: [v] for k, v in http["HttpHeaders"].items()}
    assert http["HttpStatusCode"] == 200


def test_glue_s_content_length_is_its_body_s_as_recorded_on_aws():
    # a recorded history: JobRunId "jr_" + 64 hex digits, Content-Length 82, JobName after
    out = submit_output(call("glue", "startJobRun", None, {"JobName": "etl"}))
    assert re.fullmatch(r"jr_[0-9a-f]{64}", out["JobRunId"])
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "82"
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.1"
    assert list(out) == ["JobRunId", *META, "JobName"]
    assert out["JobName"] == "etl"


def test_glue_takes_the_run_s_id_from_the_job_run():
    out = submit_output(call("glue", "startJobRun", {"Id": "jr_1", "JobName": "etl"}))
    assert (out["JobRunId"], out["JobName"]) == ("jr_1", "etl")
    nested = submit_output(call("glue", "startJobRun", {"JobRun": {"Id": "jr_2"}}))
    assert nested["JobRunId"] == "jr_2"


def test_ecs_returns_the_task_as_it_was_started():
    stopped = {
        "TaskArn": "arn:aws:ecs:eu-west-1:1:task/c/abc",
        "ClusterArn": "arn:aws:ecs:eu-west-1:1:cluster/c",
        "LastStatus": "STOPPED",
        "DesiredStatus": "STOPPED",
        "StoppedReason": "Essential container in task exited",
        "StopCode": "EssentialContainerExited",
        "Containers": [{"Name": "app", "ExitCode": 0, "LastStatus": "STOPPED", "Image": "i"}],
        "Version": 5,
    }
    out = submit_output(call("ecs", "runTask", stopped))
    assert out["Failures"] == []
    (task,) = out["Tasks"]
    assert (task["TaskArn"], task["ClusterArn"]) == (stopped["TaskArn"], stopped["ClusterArn"])
    assert (task["LastStatus"], task["DesiredStatus"], task["Version"]) == (
        "PROVISIONING",
        "RUNNING",
        1,
    )
    assert "StoppedReason" not in task and "StopCode" not in task
    assert task["Containers"] == [
        {
            "Image": "i",
            "LastStatus": "PENDING",
            "Name": "app",
            "NetworkBindings": [],
            "NetworkInterfaces": [],
            "TaskArn": stopped["TaskArn"],
        }
    ]


def test_ecs_without_a_description_places_the_task_in_the_cluster_of_its_parameters():
    parameters = {"Cluster": "jobs", "TaskDefinition": "arn:td", "LaunchType": "FARGATE"}
    (task,) = submit_output(call("ecs", "runTask", None, parameters))["Tasks"]
    assert task["ClusterArn"] == "arn:aws:ecs:eu-west-1:111122223333:cluster/jobs"
    assert re.fullmatch(
        r"arn:aws:ecs:eu-west-1:111122223333:task/jobs/[0-9a-f]{32}", task["TaskArn"]
    )
    assert (task["TaskDefinitionArn"], task["LaunchType"]) == ("arn:td", "FARGATE")
    assert task["CreatedAt"] == NOW // 1000


def test_codebuild_returns_the_build_in_progress():
    done = {"Build": {"Id": "p:1", "Arn": "arn:b", "BuildStatus": "SUCCEEDED", "EndTime": 5}}
    build = submit_output(call("codebuild", "startBuild", done))["Build"]
    assert (build["Id"], build["Arn"], build["BuildStatus"]) == ("p:1", "arn:b", "IN_PROGRESS")
    assert build["BuildComplete"] is False and "EndTime" not in build
    fresh = submit_output(call("codebuild", "startBuild", None, {"ProjectName": "p"}))["Build"]
    assert fresh["Id"].startswith("p:")
    assert fresh["Arn"] == f"arn:aws:codebuild:eu-west-1:111122223333:build/{fresh['Id']}"


def test_codebuild_build_batches():
    batch = submit_output(call("codebuild", "startBuildBatch", None, {"ProjectName": "p"}))
    assert batch["BuildBatch"]["BuildBatchStatus"] == "IN_PROGRESS"
    assert ":build-batch/p:" in batch["BuildBatch"]["Arn"]


def test_athena_returns_the_query_execution_id():
    done = {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": "SUCCEEDED"}}}
    assert fields(submit_output(call("athena", "startQueryExecution", done))) == {
        "QueryExecutionId": "q-1"
    }


@pytest.mark.parametrize(
    "action, field, kind, name_field",
    [
        ("createTrainingJob", "TrainingJobArn", "training-job", "TrainingJobName"),
        ("createTransformJob", "TransformJobArn", "transform-job", "TransformJobName"),
        ("createProcessingJob", "ProcessingJobArn", "processing-job", "ProcessingJobName"),
    ],
)
def test_sagemaker_returns_the_job_s_arn(action, field, kind, name_field):
    described = {field: "arn:x", "Status": "Completed"}
    assert fields(submit_output(call("sagemaker", action, described))) == {field: "arn:x"}
    fresh = submit_output(call("sagemaker", action, None, {name_field: "Churn-1"}))
    assert fresh[field] == f"arn:aws:sagemaker:eu-west-1:111122223333:{kind}/churn-1"


def test_emr_steps_and_clusters():
    step = submit_output(call("elasticmapreduce", "addStep", {"Step": {"Id": "s-1"}}))
    assert fields(step) == {"StepId": "s-1"}
    assert re.fullmatch(
        r"s-[0-9A-Z]{13}", submit_output(call("elasticmapreduce", "addStep"))["StepId"]
    )
    cluster = submit_output(call("elasticmapreduce", "createCluster", {"Cluster": {"Id": "j-1"}}))
    assert fields(cluster) == {
        "ClusterId": "j-1",
        "ClusterArn": "arn:aws:elasticmapreduce:eu-west-1:111122223333:cluster/j-1",
    }
    assert fields(submit_output(call("elasticmapreduce", "terminateCluster"))) == {}


def test_emr_on_eks_and_emr_serverless_job_runs():
    run = submit_output(call("emr-containers", "startJobRun", None, {"VirtualClusterId": "vc"}))
    assert run["VirtualClusterId"] == "vc"
    assert run["Arn"].endswith(f"/virtualclusters/vc/jobruns/{run['Id']}")
    serverless = submit_output(
        call(
            "emr-serverless", "startJobRun", {"JobRun": {"JobRunId": "r1"}}, {"ApplicationId": "a"}
        )
    )
    assert fields(serverless) == {
        "ApplicationId": "a",
        "JobRunId": "r1",
        "Arn": "arn:aws:emr-serverless:eu-west-1:111122223333:/applications/a/jobruns/r1",
    }


def test_databrew_bedrock_mediaconvert_and_eks():
    assert fields(submit_output(call("databrew", "startJobRun", {"RunId": "db_1"}))) == {
        "RunId": "db_1"
    }
    bedrock = submit_output(call("bedrock", "createModelCustomizationJob", {"JobArn": "arn:j"}))
    assert fields(bedrock) == {"JobArn": "arn:j"}
    job = submit_output(
        call("mediaconvert", "createJob", {"Job": {"Id": "1", "Status": "COMPLETE"}})
    )
    assert (job["Job"]["Id"], job["Job"]["Status"]) == ("1", "SUBMITTED")
    cluster = submit_output(
        call("eks", "createCluster", {"Cluster": {"Name": "k", "Status": "ACTIVE"}})
    )
    assert cluster["Cluster"] == {"Name": "k", "Status": "CREATING"}


def test_a_mocked_start_execution_returns_the_child_s_arn_and_start():
    parameters = {"StateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:child", "Name": "c1"}
    out = submit_output(call("states", "startExecution", None, parameters))
    assert fields(out) == {
        "ExecutionArn": "arn:aws:states:eu-west-1:111122223333:execution:child:c1",
        "StartDate": NOW // 1000,
    }
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"


def test_an_unknown_integration_has_no_known_response():
    assert submit_output(call("somethingnew", "startThing")) is None


def test_the_same_generator_gives_the_same_response_and_another_another():
    assert submit_output(call("batch", "submitJob", seed=3)) == submit_output(
        call("batch", "submitJob", seed=3)
    )
    assert submit_output(call("batch", "submitJob", seed=3)) != submit_output(
        call("batch", "submitJob", seed=4)
    )


def test_helpers():
    assert action_of("submitJob.sync:2") == "submitJob"
    assert action_of("runTask.sync") == "runTask"
    token = "778b1aa9-c29b-4868-88c9-eb4685b1dad7"
    assert task_rng(token).next64() == task_rng(token).next64()
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_the_headers_come_in_the_order_aws_records_them():
    out = submit_output(call("sqs", "sendMessage", None, {"MessageBody": "hi"}))
    assert list(out["SdkHttpMetadata"]["AllHttpHeaders"]) == [
        "x-amzn-RequestId",
        "connection",
        "Content-Length",
        "Date",
        "Content-Type",
    ]
    assert list(out["SdkHttpMetadata"]["HttpHeaders"]) == [
        "connection",
        "Content-Length",
        "Content-Type",
        "Date",
        "x-amzn-RequestId",
    ]


@pytest.mark.parametrize(
    "body, sent",
    [("plain text", "plain text"), ({"token": "t", "n": 1}, '{"token":"t","n":1}')],
)
def test_sqs_send_message_returns_the_md5_of_the_body_as_sent_and_a_message_id(body, sent):
    out = submit_output(call("sqs", "sendMessage", None, {"QueueUrl": "q", "MessageBody": body}))
    assert out["MD5OfMessageBody"] == hashlib.md5(sent.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f-]{36}", out["MessageId"])
    assert out["MessageId"] != out["SdkResponseMetadata"]["RequestId"]
    headers = out["SdkHttpMetadata"]["HttpHeaders"]
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers["Content-Length"] == "106"  # as recorded on AWS: the two fields' JSON
    assert list(fields(out)) == ["MD5OfMessageBody", "MessageId"]


def test_sns_publish_returns_a_message_id_and_the_length_of_its_xml_response():
    out = submit_output(call("sns", "publish", None, {"TopicArn": "t", "Message": "m"}))
    assert list(fields(out)) == ["MessageId"]
    headers = out["SdkHttpMetadata"]["HttpHeaders"]
    assert (headers["Content-Type"], headers["Content-Length"]) == ("text/xml", "294")
    assert out["MessageId"] != out["SdkResponseMetadata"]["RequestId"]


# --- what each service takes from the description, else from the parameters, else draws -----


def drawn(resource_type: str, action: str, key, parameters=None, seeds=range(4)) -> list[str]:
    """The identifier `key(output)` drawn with no description, for a few seeds."""
    return [key(submit_output(call(resource_type, action, None, parameters, s))) for s in seeds]


def test_drawn_identifiers_use_their_whole_alphabet():
    runs = drawn("glue", "startJobRun", lambda out: out["JobRunId"])
    assert all(re.fullmatch(r"jr_[0-9a-f]{64}", run) for run in runs)
    assert set("".join(run[3:] for run in runs)) == set("0123456789abcdef")
    steps = drawn("elasticmapreduce", "addStep", lambda out: out["StepId"], seeds=range(12))
    assert all(re.fullmatch(r"s-[0-9A-Z]{13}", step) for step in steps)
    assert set("".join(step[2:] for step in steps)) == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_a_job_id_that_is_not_text_is_drawn_again():
    for job_id in ("", 5, None):
        out = submit_output(call("batch", "submitJob", {"JobId": job_id, "JobName": "n"}))
        assert re.fullmatch(r"[0-9a-f-]{36}", out["JobId"])
    out = submit_output(call("batch", "submitJob", {"JobId": "j"}, ["not", "an", "object"]))
    assert (out["JobId"], "JobName" in out) == ("j", False)


def test_the_request_id_is_drawn_and_the_same_in_both_places():
    out = submit_output(call("batch", "submitJob", {"JobId": "j", "JobName": "n", "JobArn": "a"}))
    request_id = out["SdkResponseMetadata"]["RequestId"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", request_id
    )
    assert out["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"] == [request_id]


def test_the_task_generator_is_seeded_by_the_token_s_128_bits():
    token = "778b1aa9-c29b-4868-88c9-eb4685b1dad7"
    expected = SeededRandom(0x778B1AA9C29B486888C9EB4685B1DAD7)
    assert task_rng(token).next64() == expected.next64()
    assert task_rng(token).next64() != task_rng("00000000-0000-4000-8000-000000000000").next64()


def test_ecs_when_run_task_started_no_task_and_with_a_describe_tasks_response():
    no_task = {"Tasks": [], "Failures": [{"Reason": "RESOURCE:MEMORY"}]}
    (task,) = submit_output(call("ecs", "runTask", no_task, {"Cluster": "c"}))["Tasks"]
    assert task["ClusterArn"] == "arn:aws:ecs:eu-west-1:111122223333:cluster/c"
    described = {"Tasks": [{"TaskArn": "arn:t", "TaskDefinitionArn": "arn:td:3"}]}
    (task,) = submit_output(call("ecs", "runTask", described, {"TaskDefinition": "td"}))["Tasks"]
    assert (task["TaskArn"], task["TaskDefinitionArn"]) == ("arn:t", "arn:td:3")
    assert task["ClusterArn"] == "arn:aws:ecs:eu-west-1:111122223333:cluster/default"
    assert re.fullmatch(
        r"arn:aws:ecs:eu-west-1:111122223333:task/default/[0-9a-f]{32}",
        drawn("ecs", "runTask", lambda out: out["Tasks"][0]["TaskArn"], seeds=[1])[0],
    )


def test_ecs_takes_what_the_parameters_say_of_the_task_unless_the_description_says_it():
    parameters = {
        "LaunchType": "FARGATE",
        "StartedBy": "sfn",
        "Group": "family:web",
        "PlatformVersion": "1.4.0",
        "Count": 1,
    }
    (task,) = submit_output(call("ecs", "runTask", None, parameters))["Tasks"]
    assert {k: task[k] for k in parameters if k in task} == {
        k: v for k, v in parameters.items() if k != "Count"
    }
    assert "Count" not in task
    described = {"TaskArn": "arn:t", "Group": "family:api", "CreatedAt": 5}
    (task,) = submit_output(call("ecs", "runTask", described, parameters))["Tasks"]
    assert (task["Group"], task["StartedBy"], task["CreatedAt"]) == ("family:api", "sfn", 5)


def test_ecs_content_length_is_the_task_list_s():
    out = submit_output(call("ecs", "runTask", {"TaskArn": "arn:t", "Containers": [{"Name": "a"}]}))
    body = json.dumps(fields(out), separators=(",", ":"))
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == str(len(body))


def test_codebuild_builds_and_batches_as_started():
    done = {
        "Build": {
            "Id": "p:1",
            "ProjectName": "described",
            "Phases": [{"PhaseType": "BUILD"}],
            "BuildComplete": True,
            "StartTime": 7,
        }
    }
    build = submit_output(call("codebuild", "startBuild", done, {"ProjectName": "other"}))["Build"]
    assert build == {
        "Arn": "arn:aws:codebuild:eu-west-1:111122223333:build/p:1",
        "BuildComplete": False,
        "BuildStatus": "IN_PROGRESS",
        "CurrentPhase": "QUEUED",
        "Id": "p:1",
        "ProjectName": "described",
        "StartTime": 7,
    }
    fresh = submit_output(call("codebuild", "startBuild"))["Build"]
    assert re.fullmatch(r"project:[0-9a-f-]{36}", fresh["Id"])
    assert (fresh["ProjectName"], fresh["StartTime"]) == ("project", NOW // 1000)
    batch_done = {"BuildBatch": {"Id": "p:2", "Complete": True, "Phases": [], "EndTime": 9}}
    batch = submit_output(call("codebuild", "startBuildBatch", batch_done))["BuildBatch"]
    assert batch == {
        "Arn": "arn:aws:codebuild:eu-west-1:111122223333:build-batch/p:2",
        "BuildBatchStatus": "IN_PROGRESS",
        "CurrentPhase": "SUBMITTED",
        "Id": "p:2",
        "ProjectName": "project",
        "StartTime": NOW // 1000,
    }


def test_glue_reads_a_get_job_run_response_s_job_run_id():
    out = submit_output(call("glue", "startJobRun", {"JobRun": {"JobRunId": "jr_3"}}))
    assert out["JobRunId"] == "jr_3"


def test_sagemaker_names_the_arn_after_the_described_job():
    described = {"TrainingJobName": "Churn-2", "TrainingJobStatus": "Completed"}
    out = submit_output(call("sagemaker", "createTrainingJob", described, {"X": 1}))
    assert out["TrainingJobArn"] == "arn:aws:sagemaker:eu-west-1:111122223333:training-job/churn-2"


def test_emr_reads_the_other_id_fields_and_draws_a_cluster():
    assert submit_output(call("elasticmapreduce", "addStep", {"StepId": "s-2"}))["StepId"] == "s-2"
    cluster = submit_output(
        call("elasticmapreduce", "createCluster", {"ClusterId": "j-2", "ClusterArn": "arn:c"})
    )
    assert fields(cluster) == {"ClusterId": "j-2", "ClusterArn": "arn:c"}
    ids = drawn("elasticmapreduce", "createCluster", lambda out: out["ClusterId"], seeds=range(12))
    assert all(re.fullmatch(r"j-[0-9A-Z]{13}", cluster_id) for cluster_id in ids)
    out = submit_output(call("elasticmapreduce", "createCluster", None, seed=2))
    assert out["ClusterArn"] == (
        f"arn:aws:elasticmapreduce:eu-west-1:111122223333:cluster/{out['ClusterId']}"
    )


def test_emr_on_eks_job_runs_described_and_drawn():
    described = {"JobRun": {"Id": "r1", "Name": "n", "Arn": "arn:r", "VirtualClusterId": "vc"}}
    out = submit_output(call("emr-containers", "startJobRun", described))
    assert fields(out) == {"Id": "r1", "Name": "n", "Arn": "arn:r", "VirtualClusterId": "vc"}
    fresh = submit_output(
        call("emr-containers", "startJobRun", None, {"VirtualClusterId": "vc", "Name": "job"})
    )
    assert re.fullmatch(r"[0-9a-z]{19}", fresh["Id"])
    assert (fresh["Name"], fresh["Arn"]) == (
        "job",
        f"arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/vc/jobruns/{fresh['Id']}",
    )


def test_emr_serverless_job_runs_described_and_drawn():
    described = {"JobRun": {"ApplicationId": "app", "JobRunId": "r", "Arn": "arn:r"}}
    out = submit_output(call("emr-serverless", "startJobRun", described))
    assert fields(out) == {"ApplicationId": "app", "JobRunId": "r", "Arn": "arn:r"}
    fresh = submit_output(call("emr-serverless", "startJobRun", None, {"ApplicationId": "a"}))
    assert re.fullmatch(r"[0-9a-z]{16}", fresh["JobRunId"])
    assert fresh["Arn"] == (
        f"arn:aws:emr-serverless:eu-west-1:111122223333:/applications/a/jobruns/{fresh['JobRunId']}"
    )


def test_emr_serverless_applications_described_and_drawn():
    described = {"Application": {"ApplicationId": "app", "Name": "n", "Arn": "arn:a"}}
    out = submit_output(call("emr-serverless", "createApplication", described))
    assert fields(out) == {"ApplicationId": "app", "Name": "n", "Arn": "arn:a"}
    out = submit_output(call("emr-serverless", "createApplication", None, {"Name": "spark"}))
    assert re.fullmatch(r"[0-9a-z]{16}", out["ApplicationId"])
    assert fields(out) == {
        "ApplicationId": out["ApplicationId"],
        "Name": "spark",
        "Arn": f"arn:aws:emr-serverless:eu-west-1:111122223333:/applications/{out['ApplicationId']}",
    }
    for action in ("startApplication", "stopApplication", "deleteApplication"):
        assert fields(submit_output(call("emr-serverless", action, described))) == {}


def test_databrew_and_bedrock_draw_their_ids():
    assert (
        submit_output(call("databrew", "startJobRun", {"JobRun": {"RunId": "db_2"}}))["RunId"]
        == "db_2"
    )
    runs = drawn("databrew", "startJobRun", lambda out: out["RunId"])
    assert all(re.fullmatch(r"db_[0-9a-f]{64}", run) for run in runs)
    arns = drawn("bedrock", "createModelCustomizationJob", lambda out: out["JobArn"])
    prefix = "arn:aws:bedrock:eu-west-1:111122223333:model-customization-job/"
    assert all(re.fullmatch(re.escape(prefix) + "[0-9a-z]{12}", arn) for arn in arns)


def test_mediaconvert_returns_the_job_as_submitted():
    failed = {
        "Job": {
            "Id": "1-abc",
            "Arn": "arn:j",
            "Status": "ERROR",
            "ErrorCode": 1010,
            "ErrorMessage": "bad input",
            "OutputGroupDetails": [],
            "Role": "arn:role",
        }
    }
    job = submit_output(call("mediaconvert", "createJob", failed))["Job"]
    assert job == {"Arn": "arn:j", "Id": "1-abc", "Role": "arn:role", "Status": "SUBMITTED"}
    now = NOW + 123_456
    fresh = submit_output(
        JobCall("mediaconvert", "createJob", {}, None, "eu-west-1", "1", now, SeededRandom(2))
    )["Job"]
    assert re.fullmatch(rf"{now // 1000}-[0-9a-z]{{6}}", fresh["Id"])
    assert fresh["Arn"] == f"arn:aws:mediaconvert:eu-west-1:1:jobs/{fresh['Id']}"


@pytest.mark.parametrize(
    "action, key, name, status",
    [
        ("createCluster", "Cluster", "Name", "CREATING"),
        ("deleteCluster", "Cluster", "Name", "DELETING"),
        ("createNodegroup", "Nodegroup", "NodegroupName", "CREATING"),
        ("deleteNodegroup", "Nodegroup", "NodegroupName", "DELETING"),
    ],
)
def test_eks_returns_the_resource_as_the_call_left_it(action, key, name, status):
    described = {key: {name: "k", "Status": "ACTIVE", "Version": "1.29"}}
    out = submit_output(call("eks", action, described, {name: "other"}))
    assert fields(out) == {key: {name: "k", "Status": status, "Version": "1.29"}}
    out = submit_output(call("eks", action, None, {name: "from-parameters", "Other": 1}))
    assert fields(out) == {key: {name: "from-parameters", "Status": status}}
    assert fields(submit_output(call("eks", action))) == {key: {"Status": status}}


def test_a_mocked_start_execution_takes_the_described_execution():
    described = {"ExecutionArn": "arn:e", "StartDate": 12, "Status": "SUCCEEDED"}
    out = submit_output(call("states", "startExecution", described, {"Name": "c"}))
    assert fields(out) == {"ExecutionArn": "arn:e", "StartDate": 12}
    now = NOW + 999
    unnamed = submit_output(
        JobCall("states", "startExecution", {}, None, "eu-west-1", "1", now, SeededRandom(1))
    )
    assert re.fullmatch(
        r"arn:aws:states:eu-west-1:1:execution:StateMachine:[0-9a-f-]{36}", unnamed["ExecutionArn"]
    )
    assert unnamed["StartDate"] == now // 1000 and isinstance(unnamed["StartDate"], int)
    short = {"StateMachineArn": "arn:aws:states:eu-west-1:1", "Name": "n"}
    assert submit_output(call("states", "startExecution", None, short))["ExecutionArn"].endswith(
        ":execution:StateMachine:n"
    )


def test_sqs_send_message_without_parameters_sends_null():
    out = submit_output(call("sqs", "sendMessage", None, "not an object"))
    assert out["MD5OfMessageBody"] == hashlib.md5(b"null").hexdigest()
