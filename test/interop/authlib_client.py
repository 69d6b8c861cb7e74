"""A Python OAuth client for test/interop/authlib.test.ts: Authlib's requests client, unmodified.

Run as `/usr/bin/python3 authlib_client.py <scenario>` with a JSON object on stdin:
  base (Keygate's URL), client_id, client_secret, auth_method (client_secret_basic | client_secret_post),
  and what the scenario needs (redirect_uri, scope, username, password, token, authorization_response,
  state, code_verifier). It discovers the endpoints (RFC 8414) and prints one JSON object:
  {"ok": true, ...} or {"ok": false, "error": ..., "error_description": ...} for an OAuth error.

Plain http is allowed for loopback addresses only (ENGINEERING.md): AUTHLIB_INSECURE_TRANSPORT.
"""
import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def discover(base):
    response = requests.get(base + "/.well-known/oauth-authorization-server", timeout=10)
    response.raise_for_status()
    return response.json()


def session(config, **extra):
    return OAuth2Session(
        client_id=config["client_id"],
        client_secret=config.get("client_secret"),
        token_endpoint_auth_method=config.get("auth_method", "client_secret_basic"),
        revocation_endpoint_auth_method=config.get("auth_method", "client_secret_basic"),
        default_timeout=10,
        **extra,
    )


def authorize_url(config, meta):
    client = session(config, redirect_uri=config["redirect_uri"], scope=config.get("scope"), code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    return {"url": url, "state": state, "code_verifier": verifier}


def exchange_code(config, meta):
    response = config["authorization_response"]
    # RFC 9207: Authlib 1.2 does not check `iss`; a client that reads the metadata must (mix-up defence).
    if meta.get("authorization_response_iss_parameter_supported"):
        issued_by = parse_qs(urlsplit(response).query).get("iss", [None])[0]
        if issued_by != meta["issuer"]:
            return {"ok": False, "error": "iss_mismatch", "error_description": f"iss {issued_by!r} is not {meta['issuer']!r}"}
    client = session(config, redirect_uri=config["redirect_uri"], code_challenge_method="S256")
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=response,
        state=config["state"],
        code_verifier=config["code_verifier"],
    )
    return {"token": dict(token)}


def client_credentials(config, meta):
    token = session(config, scope=config.get("scope")).fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    return {"token": dict(token)}


def password(config, meta):
    token = session(config, scope=config.get("scope")).fetch_token(
        meta["token_endpoint"], username=config["username"], password=config["password"]
    )
    return {"token": dict(token)}


def refresh(config, meta):
    token = session(config).refresh_token(meta["token_endpoint"], refresh_token=config["token"])
    return {"token": dict(token)}


def revoke(config, meta):
    response = session(config).revoke_token(meta["revocation_endpoint"], token=config["token"], token_type_hint=config.get("token_type_hint"))
    return {"status": response.status_code}


def introspect(config, meta):
    response = session(config).introspect_token(meta["introspection_endpoint"], token=config["token"])
    return {"status": response.status_code, "answer": response.json()}


SCENARIOS = {
    "authorize-url": authorize_url,
    "exchange-code": exchange_code,
    "client-credentials": client_credentials,
    "password": password,
    "refresh": refresh,
    "revoke": revoke,
    "introspect": introspect,
}


def main():
    scenario = sys.argv[1] if len(sys.argv) > 1 else ""
    if scenario not in SCENARIOS:
        print(f"usage: authlib_client.py ({' | '.join(SCENARIOS)}) < config.json", file=sys.stderr)
        return 2
    config = json.load(sys.stdin)
    if urlsplit(config["base"]).hostname in LOOPBACK:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    meta = discover(config["base"])
    try:
        result = SCENARIOS[scenario](config, meta)
    except OAuthError as err:
        result = {"ok": False, "error": err.error, "error_description": err.description}
    result.setdefault("ok", True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
