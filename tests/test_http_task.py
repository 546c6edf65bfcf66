"""An HTTP Task's request and response as TestState shows them at TRACE (replay.http_task)."""

from __future__ import annotations

import pytest

from replay.http_task import (
    BadConnection,
    Connection,
    failed_response,
    format_headers,
    inspection_request,
    inspection_response,
    url_encode,
)

UA = ("User-Agent", "Amazon|StepFunctions|HttpInvoke|eu-west-1")
RANGE = ("Range", "bytes=0-262144")
ARN = "arn:aws:events:eu-west-1:123456789012:connection/c/1"

API_KEY_CONNECTION = {
    "AuthorizationType": "API_KEY",
    "AuthParameters": {
        "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "key_value"},
        "InvocationHttpParameters": {
            "BodyParameters": [{"Key": "BodyParam", "Value": "connection_body_param"}],
            "HeaderParameters": [{"Key": "Header-Param", "Value": "connection_header_param"}],
            "QueryStringParameters": [{"Key": "QueryParam", "Value": "connection_query_param"}],
        },
    },
}

# AWS's data-merging example (call-https-apis.md, "Merging EventBridge connection and HTTP Task
# definition data"): the connection's values win the keys both give.
MERGE_EXAMPLE = {
    "Authentication": {"ConnectionArn": ARN},
    "ApiEndpoint": "https://example.com/path",
    "Method": "GET",
    "Headers": {"Request-Id": "my_request_id", "Header-Param": "state_machine_header_param"},
    "RequestBody": {
        "Job": "Software Engineer",
        "Company": "AnyCompany",
        "BodyParam": "state_machine_body_param",
    },
    "QueryParameters": {"QueryParam": "state_machine_query_param"},
}


def request(parameters: dict, connection: dict | None = None, reveal: bool = False) -> dict:
    parsed = Connection.parse(connection) if connection is not None else None
    return inspection_request(parameters, "eu-west-1", parsed, reveal)


def test_a_get_with_headers_and_query_parameters():
    out = request(
        {
            "ApiEndpoint": "https://httpbin.org/get",
            "Method": "GET",
            "Headers": {"definitionHeader": "h1"},
            "QueryParameters": {"queryParam": "q1", "page": 2},
        }
    )
    assert out == {
        "protocol": "https",
        "method": "GET",
        "url": "https://httpbin.org/get?queryParam=q1&page=2",
        "headers": format_headers([("definitionHeader", "h1"), UA, RANGE]),
        "body": "",
    }
    assert out["headers"] == (
        "[definitionHeader: h1, User-Agent: Amazon|StepFunctions|HttpInvoke|eu-west-1, "
        "Range: bytes=0-262144]"
    )


def test_query_values_are_percent_encoded_and_appended_to_an_existing_query():
    out = request(
        {
            "ApiEndpoint": "https://api.example.com/search?v=1",
            "Method": "GET",
            "QueryParameters": {"q": "a b&c=d/é", "tags": ["x", "y"]},
        }
    )
    assert out["url"] == "https://api.example.com/search?v=1&q=a%20b%26c%3Dd%2F%C3%A9&tags=x&tags=y"


def test_a_json_body_is_compact_json():
    out = request(
        {"ApiEndpoint": "https://a.example/p", "Method": "POST", "RequestBody": {"n": 1, "s": "é"}}
    )
    assert out["body"] == '{"n":1,"s":"é"}'


def test_the_connection_merges_in_and_wins_shared_keys_when_secrets_are_revealed():
    out = request(MERGE_EXAMPLE, API_KEY_CONNECTION, reveal=True)
    assert out["url"] == ("https://example.com/path?QueryParam=connection_query_param")
    assert out["headers"] == format_headers(
        [
            ("Request-Id", "my_request_id"),
            ("ApiKey", "key_value"),
            ("Header-Param", "connection_header_param"),
            UA,
            RANGE,
        ]
    )
    assert out["body"] == (
        '{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"connection_body_param"}'
    )


def test_without_reveal_secrets_the_connections_data_is_left_out():
    out = request(MERGE_EXAMPLE, API_KEY_CONNECTION, reveal=False)
    assert "key_value" not in str(out) and "connection_" not in str(out)
    assert out["url"] == "https://example.com/path?QueryParam=state_machine_query_param"
    assert out["headers"] == format_headers(
        [("Request-Id", "my_request_id"), ("Header-Param", "state_machine_header_param"), UA, RANGE]
    )


def test_a_basic_connection_adds_an_authorization_header():
    basic = {"AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}
    out = request({"ApiEndpoint": "https://a.example", "Method": "GET"}, basic, reveal=True)
    assert out["headers"].startswith("[Authorization: Basic dTpw, User-Agent:")


def test_a_header_matches_the_connections_whatever_its_case():
    connection = {
        "AuthParameters": {
            "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Key", "Value": "c"}]}
        }
    }
    out = request(
        {"ApiEndpoint": "https://a.example", "Method": "GET", "Headers": {"x-key": "d"}},
        connection,
        reveal=True,
    )
    assert out["headers"].startswith("[X-Key: c, User-Agent:")


@pytest.mark.parametrize(
    ("array_format", "expected"),
    [
        ("INDICES", "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&array%5B3%5D=d"),
        ("REPEAT", "array=a&array=b&array=c&array=d"),
        ("COMMAS", "array=a,b,c,d"),
        ("BRACKETS", "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&array%5B%5D=d"),
    ],
)
def test_url_encoded_arrays_follow_the_array_format(array_format, expected):
    assert url_encode({"array": ["a", "b", "c", "d"]}, array_format) == expected


def test_url_encoded_nested_objects_scalars_and_commas_inside_values():
    body = {"meta": {"order details": "x y"}, "n": 2, "ok": True, "none": None}
    assert url_encode(body) == "meta%5Border%20details%5D=x%20y&n=2&ok=true&none="
    assert url_encode({"a": ["x,y", "z"]}, "COMMAS") == "a=x%2Cy,z"
    assert url_encode({"a": [{"b": 1}]}, "INDICES") == "a%5B0%5D%5Bb%5D=1"
    assert url_encode({"a": []}, "COMMAS") == ""


def test_a_url_encoded_body_uses_the_transform():
    # AWS's HTTP Task example (Stripe invoices), INDICES by default
    out = request(
        {
            "ApiEndpoint": "https://api.stripe.com/v1/invoices",
            "Method": "POST",
            "Headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "RequestBody": {
                "description": "Monthly subscription",
                "metadata": {"order_details": "monthly report data"},
                "lines": ["l1", "l2"],
            },
            "Transform": {"RequestBodyEncoding": "URL_ENCODED"},
        }
    )
    assert out["body"] == (
        "description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data"
        "&lines%5B0%5D=l1&lines%5B1%5D=l2"
    )
    commas = {
        "RequestBodyEncoding": "URL_ENCODED",
        "RequestEncodingOptions": {"ArrayFormat": "COMMAS"},
    }
    out = request(
        {
            "ApiEndpoint": "https://a.example",
            "Method": "POST",
            "RequestBody": {"lines": ["l1", "l2"]},
            "Transform": commas,
        }
    )
    assert out["body"] == "lines=l1,l2"


def test_a_string_body_is_sent_as_it_is():
    out = request({"ApiEndpoint": "https://a.example", "Method": "POST", "RequestBody": "a;b"})
    assert out["body"] == "a;b"


def test_no_request_without_an_api_endpoint():
    assert inspection_request({"Method": "GET"}, "us-east-1") is None
    assert inspection_request("text", "us-east-1") is None


def test_a_connection_that_cannot_be_read():
    with pytest.raises(BadConnection, match="^a connection must be a JSON object$"):
        Connection.parse([])
    with pytest.raises(BadConnection, match="^a connection's AuthParameters must be an object$"):
        Connection.parse({"AuthParameters": "basic"})
    with pytest.raises(
        BadConnection,
        match=r"^a connection's HeaderParameters must be a list of \{Key, Value\}$",
    ):
        Connection.parse(
            {"AuthParameters": {"InvocationHttpParameters": {"HeaderParameters": [1]}}}
        )


def test_invocation_parameters_that_are_not_an_object_are_refused_not_ignored():
    with pytest.raises(
        BadConnection, match="^a connection's InvocationHttpParameters must be an object$"
    ):
        Connection.parse({"AuthParameters": {"InvocationHttpParameters": [{"Key": "k"}]}})


def test_the_response_from_the_tasks_result():
    result = {
        "Headers": {"content-type": ["application/json"], "set-cookie": ["a=1", "b=2"]},
        "ResponseBody": {"args": {"q": "1"}},
        "StatusCode": 200,
        "StatusText": "OK",
    }
    assert inspection_response(result) == {
        "protocol": "https",
        "statusCode": "200",
        "statusMessage": "OK",
        "headers": "[content-type: application/json, set-cookie: a=1, set-cookie: b=2]",
        "body": '{"args":{"q":"1"}}',
    }
    text = inspection_response({"StatusCode": 204, "ResponseBody": "plain"})
    assert (text["statusMessage"], text["body"], text["headers"]) == ("No Content", "plain", "[]")
    assert inspection_response({"Payload": 1}) is None


def test_a_status_failure_gives_the_status_and_its_text():
    assert failed_response("States.Http.StatusCode.404", "Not Found") == {
        "protocol": "https",
        "statusCode": "404",
        "statusMessage": "Not Found",
    }
    assert failed_response("States.Http.StatusCode.503", None)["statusMessage"] == (
        "Service Unavailable"
    )
    assert failed_response("States.Http.Socket", "reset") is None
    assert failed_response("States.Http.StatusCode.4XX", None) is None
