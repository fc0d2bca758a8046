"""An API key's whole lifecycle through the client that openapi-python-client
generates from /v1/openapi.json, used as generated: no edits.

tests/api-clients.spec.ts runs it with the generated package, named
`tracepipe_client`, on PYTHONPATH, and in the environment TRACEPIPE_BASE_URL
and TRACEPIPE_KEY (a subscriber's full-access key). Prints each step; at the
first that goes wrong, says which and how, and exits non-zero.
"""

import os
import sys
import traceback
from contextlib import contextmanager

from tracepipe_client import AuthenticatedClient
from tracepipe_client.api.account import users_me
from tracepipe_client.api.api_keys import create_key, end_grace, revoke_key, roll_key
from tracepipe_client.api.usage import usage
from tracepipe_client.models import (
    ApiKeyCreated,
    CreateKeyBody,
    ErrorEnvelope,
    Preset,
    RollKeyBody,
    Usage,
    User,
)
from tracepipe_client.types import Response

BASE_URL = os.environ["TRACEPIPE_BASE_URL"]


class Unexpected(Exception):
    """An answer, or a value in one, that the lifecycle did not expect."""


class StepFailed(Exception):
    """A step that went wrong, named, with how."""


@contextmanager
def step(name: str):
    try:
        yield
    except Unexpected as unexpected:
        raise StepFailed(f"{name}: {unexpected}") from None
    except Exception as error:
        # Most likely the generated client itself: where it failed matters.
        traceback.print_exc()
        raise StepFailed(f"{name}: raised {error!r} (traceback above)") from None
    print(f"ok: {name}", flush=True)


def expect(condition: bool, detail: object) -> None:
    if not condition:
        raise Unexpected(str(detail))


def answer(response: Response, status: int, parsed_type: type | None = None):
    """The parsed answer, which must have `status` (and parse as a `parsed_type`)."""
    if response.status_code != status:
        raise Unexpected(f"expected {status}, got {response.status_code}: {response.content!r}")
    if parsed_type is not None and not isinstance(response.parsed, parsed_type):
        raise Unexpected(f"expected a {parsed_type.__name__}, got {response.parsed!r}")
    return response.parsed


def expect_refusal(response: Response, status: int, reason: str) -> None:
    refused_for = answer(response, status, ErrorEnvelope).error.details.to_dict().get("reason")
    expect(refused_for == reason, f"expected reason {reason!r}, got {refused_for!r}")


def client_with(key: str) -> AuthenticatedClient:
    # The generator does not read apiKey security schemes (its issue #600):
    # the header is configured here.
    return AuthenticatedClient(
        base_url=BASE_URL,
        token=key,
        auth_header_name="X-API-Key",
        prefix="",
        # An answer the document does not list is a failure, not a None.
        raise_on_unexpected_status=True,
    )


def lifecycle(full_key: str) -> None:
    full = client_with(full_key)

    with step("1. the full key reads its owner"):
        expect(answer(users_me.sync_detailed(client=full), 200, User).id != "", "an owner without an id")

    with step("2. a read-only key is made"):
        body = CreateKeyBody(name="python client", permissions=Preset.READ_ONLY, expires_in_days=30)
        reader = answer(create_key.sync_detailed(client=full, body=body), 201, ApiKeyCreated)
        expect(reader.key.startswith("tp_live_sk_"), reader.key)

    with step("3. the read-only key may not make a key"):
        refused = create_key.sync_detailed(client=client_with(reader.key), body=CreateKeyBody(name="refused"))
        expect_refusal(refused, 403, "missing_permission")

    with step("4. the full key rolls it with an hour's grace"):
        body = RollKeyBody(grace_period_seconds=3600)
        rolled = answer(roll_key.sync_detailed(reader.id, client=full, body=body), 201, ApiKeyCreated)
        expect(rolled.key != reader.key, "the same secret")
        expect(rolled.previous_secret is not None, rolled.to_dict())
    old_secret, new_secret = client_with(reader.key), client_with(rolled.key)

    with step("5. both its old and its new secret work"):
        answer(users_me.sync_detailed(client=old_secret), 200, User)
        answer(users_me.sync_detailed(client=new_secret), 200, User)

    with step("6. once the grace is ended, only the new secret works"):
        answer(end_grace.sync_detailed(reader.id, client=full), 204)
        answer(users_me.sync_detailed(client=old_secret), 401, ErrorEnvelope)
        answer(users_me.sync_detailed(client=new_secret), 200, User)

    with step("7. once revoked, the new secret is refused too"):
        answer(revoke_key.sync_detailed(reader.id, client=full), 204)
        expect_refusal(users_me.sync_detailed(client=new_secret), 401, "revoked")

    with step("8. usage"):
        period = answer(usage.sync_detailed(client=full), 200, Usage).billing_period
        expect(period.end > period.start, period.to_dict())

    with step("9. an unknown path's 404 envelope"):
        # No generated function calls a path the document lacks: the client's
        # own HTTP connection does, and the generated model reads the answer.
        unknown = full.get_httpx_client().get("/v1/no-such-thing")
        expect(unknown.status_code == 404, unknown.text)
        expect(ErrorEnvelope.from_dict(unknown.json()).error.code == "not_found", unknown.text)

    with step("10. a key made with no body at all is 'API key' with the caller's permissions"):
        made = answer(create_key.sync_detailed(client=full), 201, ApiKeyCreated)
        expect(made.name == "API key" and made.permissions == Preset.FULL, made.to_dict())
        answer(revoke_key.sync_detailed(made.id, client=full), 204)


if __name__ == "__main__":
    try:
        lifecycle(os.environ["TRACEPIPE_KEY"])
    except StepFailed as failure:
        sys.exit(f"FAILED: {failure}")
