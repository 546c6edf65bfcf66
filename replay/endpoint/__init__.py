"""A Step Functions endpoint: the AWS JSON 1.0 protocol (`X-Amz-Target:
AWSStepFunctions.<Operation>`) over the Python API, so that boto3 (`endpoint_url=`) and the AWS
CLI (`--endpoint-url`) drive local executions. `app` is the ASGI application, `dispatch` the
operations, `machines` the state machines registry (a docs table of the db), `service` the one
worker thread that touches the db, `shapes` and `errors` what goes over the wire."""
