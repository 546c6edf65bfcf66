"""An HTTP Task's request and response as TestState shows them at TRACE (replay.http_task)."""

from __future__ import annotations

import pytest

from replay.http_task import (
    BadConnection,
    Connection,
    exchange,
    failed_response,
    format_headers,
    inspection_request,
    inspection_response,
    parse_connections,
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


def test_a_connection_missing_a_credential_gives_it_empty_not_none():
    basic = {"AuthParameters": {"BasicAuthParameters": {"Username": "u"}}}
    out = request({"ApiEndpoint": "https://a.example", "Method": "GET"}, basic, reveal=True)
    assert out["headers"].startswith("[Authorization: Basic dTo=, User-Agent:")  # "u:"
    basic = {"AuthParameters": {"BasicAuthParameters": {"Password": "p"}}}
    out = request({"ApiEndpoint": "https://a.example", "Method": "GET"}, basic, reveal=True)
    assert out["headers"].startswith("[Authorization: Basic OnA=, User-Agent:")  # ":p"
    for key, expected in [({"ApiKeyName": "k"}, "[k: , "), ({"ApiKeyValue": "v"}, "[: v, ")]:
        connection = {"AuthParameters": {"ApiKeyAuthParameters": key}}
        out = request({"ApiEndpoint": "https://a.example", "Method": "GET"}, connection, True)
        assert out["headers"].startswith(expected)
    no_value = {
        "AuthParameters": {"InvocationHttpParameters": {"HeaderParameters": [{"Key": "h"}]}}
    }
    out = request({"ApiEndpoint": "https://a.example", "Method": "GET"}, no_value, reveal=True)
    assert out["headers"].startswith("[h: , User-Agent:")


def test_the_connections_body_parameters_make_the_body_when_the_task_gives_none():
    connection = {
        "AuthParameters": {
            "InvocationHttpParameters": {"BodyParameters": [{"Key": "k", "Value": "v"}]}
        }
    }
    params = {"ApiEndpoint": "https://a.example", "Method": "POST"}
    assert request(params, connection, reveal=True)["body"] == '{"k":"v"}'
    assert request(params, connection, reveal=False)["body"] == ""
    string_body = dict(params, RequestBody="raw")
    assert request(string_body, connection, reveal=True)["body"] == "raw"


def test_a_url_encoded_body_falls_back_to_indices_and_encodes_only_an_object():
    params = {"ApiEndpoint": "https://a.example", "Method": "POST", "RequestBody": {"a": [1, 2]}}
    for options in ("COMMAS", {"ArrayFormat": "SPACES"}, {}):
        transform = {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": options}
        out = request(dict(params, Transform=transform))
        assert out["body"] == "a%5B0%5D=1&a%5B1%5D=2"
    transform = {"RequestBodyEncoding": "URL_ENCODED"}
    assert request(dict(params, RequestBody=["x", "y"], Transform=transform))["body"] == ""
    assert request(dict(params, Transform={"RequestBodyEncoding": "JSON"}))["body"] == '{"a":[1,2]}'


def test_url_encoding_escapes_slashes_and_nests_arrays_in_arrays():
    assert url_encode({"a/b": "c/d", "e": ["f/g"]}, "COMMAS") == "a%2Fb=c%2Fd&e=f%2Fg"
    assert url_encode({"a": [{"b": ["x", "y"]}]}, "BRACKETS") == (
        "a%5B%5D%5Bb%5D%5B%5D=x&a%5B%5D%5Bb%5D%5B%5D=y"
    )
    assert url_encode({"a": [["x"], ["y"]]}, "REPEAT") == "a=x&a=y"
    assert url_encode({"a": [["x"]]}) == "a%5B0%5D%5B0%5D=x"  # INDICES by default


def test_query_parameters_given_as_text_are_appended_as_they_are():
    params = {"ApiEndpoint": "https://a.example/p", "Method": "GET"}
    assert request(dict(params, QueryParameters="a=1&b=%20"))["url"] == (
        "https://a.example/p?a=1&b=%20"
    )
    assert request(dict(params, QueryParameters=""))["url"] == "https://a.example/p"


def test_the_protocol_method_and_secrets_by_default():
    out = request({"ApiEndpoint": "http://a.example/p"})
    assert (out["protocol"], out["method"]) == ("http", "")
    assert request({"ApiEndpoint": "HTTPS://a.example", "Method": "GET"})["protocol"] == "https"
    assert request({"ApiEndpoint": "a.example/p", "Method": "GET"})["protocol"] == "https"
    params = dict(MERGE_EXAMPLE, ApiEndpoint="https://example.com/path")
    hidden = inspection_request(params, "eu-west-1", Connection.parse(API_KEY_CONNECTION))
    assert "key_value" not in str(hidden)


def test_the_response_keeps_single_header_values_the_status_text_and_an_empty_body():
    result = {"Headers": {"etag": "abc", "n": 1}, "StatusCode": 201, "StatusText": "Made"}
    assert inspection_response(result, "http") == {
        "protocol": "http",
        "statusCode": "201",
        "statusMessage": "Made",
        "headers": "[etag: abc, n: 1]",
        "body": "",
    }
    assert inspection_response({"StatusCode": "abc"})["statusMessage"] == ""


def test_a_status_failure_keeps_a_cause_that_is_not_the_usual_text():
    assert failed_response("States.Http.StatusCode.404", "No such customer")["statusMessage"] == (
        "No such customer"
    )


def test_the_exchange_of_a_task_names_its_connection_and_its_outcome():
    connections = parse_connections({ARN: API_KEY_CONNECTION})
    params = {
        "ApiEndpoint": "http://a.example",
        "Method": "GET",
        "InvocationConfig": {"ConnectionArn": ARN},
    }
    out = exchange(params, {"result": {"StatusCode": 200}}, "eu-west-1", connections, True)
    assert "ApiKey: key_value" in out["request"]["headers"]
    assert out["response"]["protocol"] == "http"
    hidden = exchange(params, {"result": {"StatusCode": 200}}, "eu-west-1", connections)
    assert "key_value" not in str(hidden)
    failed = {"error": "States.Http.StatusCode.500", "cause": "Boom"}
    assert exchange(params, failed, "eu-west-1")["response"] == {
        "protocol": "http",
        "statusCode": "500",
        "statusMessage": "Boom",
    }
    assert list(exchange(params, {}, "eu-west-1")) == ["request"]  # neither answer nor error
    assert exchange({"Method": "GET"}, {}, "eu-west-1") == {}


def test_connections_that_are_not_an_object_are_refused():
    with pytest.raises(
        BadConnection, match=r"^connections must be a JSON object: \{ConnectionArn: connection\}$"
    ):
        parse_connections([API_KEY_CONNECTION])
