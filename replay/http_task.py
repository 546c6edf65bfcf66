"""An HTTP Task's request and response as TestState shows them at TRACE (AWS's
`inspectionData.request` and `inspectionData.response`).

The request is the one Step Functions would send for the Task's evaluated Parameters (JSONata:
Arguments): `ApiEndpoint` with `QueryParameters` encoded, `Method`, the `Headers` given and those
Step Functions adds (`User-Agent`, `Range`), the `RequestBody` as JSON or URL-encoded per
`Transform`. An EventBridge connection's data (its authorization header, its invocation headers,
query and body parameters) is merged in as AWS merges it (the connection wins a shared key), and
shown only when secrets are revealed: otherwise it is a secret and left out. The response is the
Task's result (`{Headers, ResponseBody, StatusCode, StatusText}`), or the status of a
`States.Http.StatusCode.NNN` failure. Pure: nothing is sent.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

from replay.events import to_json_text

HTTP_INVOKE = "arn:aws:states:::http:invoke"
RANGE = "bytes=0-262144"  # Step Functions reads at most 256 KiB of a response
ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")
QUERY_ARRAY_FORMAT = "REPEAT"  # AWS does not document arrays in QueryParameters
_STATUS_ERROR = re.compile(r"States\.Http\.StatusCode\.(\d{3})")


class BadConnection(ValueError):
    """A connection's description that cannot be read."""


def is_http_task(resource: str) -> bool:
    return resource == HTTP_INVOKE


@dataclass(frozen=True)
class Connection:
    """What an EventBridge connection adds to each request: its authorization header, then
    its InvocationHttpParameters (headers, query string and body parameters)."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, description: Any) -> Connection:
        """From EventBridge's CreateConnection fields: `AuthorizationType` (BASIC, API_KEY,
        OAUTH_CLIENT_CREDENTIALS) and `AuthParameters`."""
        if not isinstance(description, dict):
            raise BadConnection("a connection must be a JSON object")
        auth = description.get("AuthParameters") or {}
        if not isinstance(auth, dict):
            raise BadConnection("a connection's AuthParameters must be an object")
        invocation = auth.get("InvocationHttpParameters") or {}
        if not isinstance(invocation, dict):
            raise BadConnection("a connection's InvocationHttpParameters must be an object")
        return cls(
            headers=_auth_headers(auth) + _pairs(invocation, "HeaderParameters"),
            query=_pairs(invocation, "QueryStringParameters"),
            body=dict(_pairs(invocation, "BodyParameters")),
        )


def _auth_headers(auth: dict) -> list[tuple[str, str]]:
    basic = auth.get("BasicAuthParameters")
    if isinstance(basic, dict):
        user_password = f"{basic.get('Username', '')}:{basic.get('Password', '')}"
        return [("Authorization", "Basic " + base64.b64encode(user_password.encode()).decode())]
    key = auth.get("ApiKeyAuthParameters")
    if isinstance(key, dict):
        return [(str(key.get("ApiKeyName", "")), str(key.get("ApiKeyValue", "")))]
    return []  # OAuth's token is fetched when the Task runs: not known here


def _pairs(parameters: dict, name: str) -> list[tuple[str, str]]:
    entries = parameters.get(name) or []
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("Key"), str) for entry in entries
    ):
        raise BadConnection(f"a connection's {name} must be a list of {{Key, Value}}")
    return [(entry["Key"], str(entry.get("Value", ""))) for entry in entries]


def inspection_request(
    parameters: Any,
    region: str,
    connection: Connection | None = None,
    reveal_secrets: bool = False,
) -> dict | None:
    """AWS's `inspectionData.request` for an HTTP Task's evaluated Parameters (None when they
    are not an object with an ApiEndpoint)."""
    if not isinstance(parameters, dict) or not isinstance(parameters.get("ApiEndpoint"), str):
        return None
    added = connection if connection is not None and reveal_secrets else Connection()
    endpoint = parameters["ApiEndpoint"]
    headers = _merged_headers(_given_pairs(parameters.get("Headers")), added.headers)
    headers += [("User-Agent", f"Amazon|StepFunctions|HttpInvoke|{region}"), ("Range", RANGE)]
    return {
        "protocol": protocol_of(endpoint),
        "method": str(parameters.get("Method", "")),
        "url": _url(endpoint, parameters.get("QueryParameters"), added.query),
        "headers": format_headers(headers),
        "body": _body(parameters, added.body),
    }


def protocol_of(endpoint: str) -> str:
    return urlsplit(endpoint).scheme.lower() or "https"


def format_headers(pairs: list[tuple[str, str]]) -> str:
    """Headers as TestState writes them: `[name: value, name: value]`."""
    return "[" + ", ".join(f"{name}: {value}" for name, value in pairs) + "]"


def _given_pairs(value: Any) -> list[tuple[str, Any]]:
    """Headers or QueryParameters as given: an object, or a list of objects."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return [pair for item in value if isinstance(item, dict) for pair in item.items()]
    return []


def _merged_headers(given: list[tuple[str, Any]], added: list[tuple[str, str]]) -> list:
    """The definition's headers, then the connection's; the connection's value wins a header
    both name (header names are case-insensitive)."""
    replaced = {name.lower() for name, _ in added}
    kept = [(name, _scalar(value)) for name, value in given if name.lower() not in replaced]
    return kept + list(added)


def _url(endpoint: str, query: Any, added: list[tuple[str, str]]) -> str:
    if isinstance(query, str):
        encoded = [query] if query else []
    else:
        replaced = {name for name, _ in added}
        kept = {name: value for name, value in _given_pairs(query) if name not in replaced}
        encoded = [url_encode(kept, QUERY_ARRAY_FORMAT)] if kept else []
    if added:
        encoded.append(url_encode(dict(added), QUERY_ARRAY_FORMAT))
    if not encoded:
        return endpoint
    return endpoint + ("&" if "?" in endpoint else "?") + "&".join(encoded)


def _body(parameters: dict, added: dict[str, Any]) -> str:
    body = parameters.get("RequestBody")
    if isinstance(body, dict):
        body = {**body, **added}
    elif body is None and added:
        body = dict(added)
    if body is None:
        return ""
    if isinstance(body, str):  # sent as it is (AWS fails it when the connection adds a body)
        return body
    transform = parameters.get("Transform") or {}
    if not isinstance(transform, dict) or transform.get("RequestBodyEncoding") != "URL_ENCODED":
        return to_json_text(body)
    options = transform.get("RequestEncodingOptions")
    array_format = options.get("ArrayFormat") if isinstance(options, dict) else None
    if array_format not in ARRAY_FORMATS:
        array_format = "INDICES"  # the default
    return url_encode(body if isinstance(body, dict) else {}, array_format)


def url_encode(value: dict, array_format: str = "INDICES") -> str:
    """`application/x-www-form-urlencoded` text of a JSON object: nested objects as
    `key[field]`, arrays per `array_format` (INDICES `a[0]=x`, BRACKETS `a[]=x`, REPEAT `a=x`,
    COMMAS `a=x,y`), names and values percent-encoded (RFC 3986; COMMAS' separators kept)."""
    return "&".join(
        f"{quote(name, safe='')}={text}" for name, text in _flat(value, "", array_format)
    )


def _flat(value: Any, prefix: str, array_format: str) -> list[tuple[str, str]]:
    """(name, encoded value) pairs of a value under the name `prefix`."""
    if isinstance(value, dict):
        return [
            pair
            for key, item in value.items()
            for pair in _flat(item, f"{prefix}[{key}]" if prefix else str(key), array_format)
        ]
    if not isinstance(value, list):
        return [(prefix, quote(_scalar(value), safe=""))]
    if array_format == "COMMAS":
        return (
            [(prefix, ",".join(quote(_scalar(item), safe="") for item in value))] if value else []
        )
    names = {
        "INDICES": lambda index: f"{prefix}[{index}]",
        "BRACKETS": lambda index: f"{prefix}[]",
        "REPEAT": lambda index: prefix,
    }[array_format]
    return [pair for i, item in enumerate(value) for pair in _flat(item, names(i), array_format)]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return to_json_text(value)  # true, 12, 1.5; an object or array as its JSON text


def inspection_response(result: Any, protocol: str = "https") -> dict | None:
    """AWS's `inspectionData.response` from an HTTP Task's result (None when the result is not
    one: no StatusCode)."""
    if not isinstance(result, dict) or "StatusCode" not in result:
        return None
    headers = result.get("Headers") if isinstance(result.get("Headers"), dict) else {}
    pairs = [
        (name, _scalar(value))
        for name, values in headers.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    body = result.get("ResponseBody")
    status = result["StatusCode"]
    return {
        "protocol": protocol,
        "statusCode": _scalar(status),
        "statusMessage": _scalar(result.get("StatusText", _phrase(status))),
        "headers": format_headers(pairs),
        "body": body if isinstance(body, str) else "" if body is None else to_json_text(body),
    }


def failed_response(error: str, cause: str | None, protocol: str = "https") -> dict | None:
    """The response of an HTTP Task failed by its status (`States.Http.StatusCode.NNN`, whose
    cause is the status text); None for any other error (no response came)."""
    match = _STATUS_ERROR.fullmatch(error)
    if match is None:
        return None
    code = match.group(1)
    message = cause if cause is not None else _phrase(int(code))
    return {"protocol": protocol, "statusCode": code, "statusMessage": message}


def _phrase(status: Any) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except (TypeError, ValueError):
        return ""


def parse_connections(value: Any) -> dict[str, Connection]:
    """Connections by ARN: `{"arn:aws:events:...:connection/NAME/ID": {AuthorizationType,
    AuthParameters}}` (EventBridge's CreateConnection fields)."""
    if not isinstance(value, dict):
        raise BadConnection("connections must be a JSON object: {ConnectionArn: connection}")
    return {str(arn): Connection.parse(description) for arn, description in value.items()}


def connection_arn(parameters: Any) -> str | None:
    """The connection an HTTP Task names: `InvocationConfig` or (older) `Authentication`."""
    if not isinstance(parameters, dict):
        return None
    for key in ("InvocationConfig", "Authentication"):
        config = parameters.get(key)
        if isinstance(config, dict) and isinstance(config.get("ConnectionArn"), str):
            return config["ConnectionArn"]
    return None


def exchange(
    parameters: Any,
    outcome: dict,
    region: str,
    connections: dict[str, Connection] | None = None,
    reveal_secrets: bool = False,
) -> dict:
    """`request` and `response` of TestState's inspectionData for an HTTP Task: its evaluated
    Parameters, and `outcome` (`result` when it answered, else `error` and `cause`). Empty when
    the Parameters were not evaluated (no request was made)."""
    arn = connection_arn(parameters)
    connection = (connections or {}).get(arn)  # parse_connections' keys are str: None is none
    request = inspection_request(parameters, region, connection, reveal_secrets)
    if request is None:
        return {}
    if "result" in outcome:
        response = inspection_response(outcome["result"], request["protocol"])
    elif "error" in outcome:
        response = failed_response(outcome["error"], outcome.get("cause"), request["protocol"])
    else:
        response = None
    return {"request": request} if response is None else {"request": request, "response": response}
