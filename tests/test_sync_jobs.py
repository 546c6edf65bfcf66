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
