"""Checks recorded answers of the served component against its OpenAPI document.

Usage: python check_answers.py OPENAPI_JSON EXCHANGES_JSONL

Each line of EXCHANGES_JSONL is one exchange:
    {"method": "post", "path": "/v1/search-agents", "status": 200,
     "content_type": "application/json", "body": <the answer's body, parsed>}

For each, the response the document gives for the operation (paths[path][method]) and the
status (the exact status, else "default"; a $ref is followed into components/responses) must
exist, must describe the answer's media type, and its schema must accept the body (JSON Schema
Draft 2020-12, formats asserted, every $ref resolved against the whole document). A method the
path does not list is documented only for a 405 that one of the path's operations documents
(exactly or by "default"): that is the wrong-method answer.

Prints one line per failure and how many exchanges were checked; exits 1 when any failed.
Needs only the standard library, jsonschema and referencing (tests/openapi/requirements.txt).
"""

import json
import sys

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

# Where the document lives for $ref resolution: any absolute URI will do.
BASE = "https://openapi.invalid/openapi.json"


def escape(key):
    """A key as a JSON pointer token (RFC 6901)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def resolve(document, node):
    """(node, None); or, when node is a local $ref, (what it points at, its JSON pointer)."""
    reference = node.get("$ref")
    if reference is None:
        return node, None
    if not reference.startswith("#/"):
        raise ValueError(f"{reference} is not a local reference")
    target = document
    for token in reference[2:].split("/"):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target, reference[1:]


def find_response(document, method, path, status):
    """The response documented for the exchange and its JSON pointer, or why there is none."""
    item = document.get("paths", {}).get(path)
    if item is None:
        return None, None, f"the path {path} is not documented"
    candidates = [method] if method in item else []
    if not candidates and status == 405:
        candidates = [m for m in item if isinstance(item[m], dict) and "responses" in item[m]]
    for operation in candidates:
        responses = item[operation].get("responses", {})
        for key in (str(status), "default"):
            if key in responses:
                pointer = "/".join(["/paths", escape(path), operation, "responses", key])
                response, referenced = resolve(document, responses[key])
                return response, referenced or pointer, None
    if method not in item and status != 405:
        return None, None, f"{method.upper()} is not an operation of {path}"
    return None, None, f"no operation of {path} documents {status} or default"


def check(document, registry, exchange):
    """Why the exchange does not match the document, or None when it does."""
    method = exchange["method"].lower()
    response, pointer, missing = find_response(
        document, method, exchange["path"], exchange["status"]
    )
    if missing:
        return missing
    media_type = (exchange.get("content_type") or "").split(";")[0].strip().lower()
    content = response.get("content", {})
    if media_type not in content:
        return f"the response ({pointer}) does not describe {media_type or 'no content type'}"
    schema_pointer = "/".join([pointer, "content", escape(media_type), "schema"])
    validator = Draft202012Validator(
        {"$ref": BASE + "#" + schema_pointer},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(exchange["body"]), key=lambda e: e.json_path)
    if errors:
        return "; ".join(
            f"at {e.json_path}: {e.message} (schema {'/'.join(map(str, e.schema_path))})"
            for e in errors
        )
    return None


def main(arguments):
    if len(arguments) != 2:
        print("usage: check_answers.py OPENAPI_JSON EXCHANGES_JSONL", file=sys.stderr)
        return 2
    with open(arguments[0], encoding="utf-8") as file:
        document = json.load(file)
    registry = Registry().with_resource(BASE, DRAFT202012.create_resource(document))
    checked = failed = 0
    with open(arguments[1], encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            exchange = json.loads(line)
            checked += 1
            why = check(document, registry, exchange)
            if why:
                failed += 1
                summary = f"{exchange['method'].upper()} {exchange['path']} -> {exchange['status']}"
                body = json.dumps(exchange["body"])
                if len(body) > 300:
                    body = body[:300] + "..."
                print(f"FAIL line {number}: {summary}: {why}\n    body: {body}")
    print(f"checked {checked} exchanges against the OpenAPI document: {failed} failed")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
