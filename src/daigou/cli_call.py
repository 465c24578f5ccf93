"""`daigou call`: one signed call from the command line (the README's tour), and the file by
which it finds the gateway `daigou serve` started (var/server.json: its address and pid).

Every mistake is one line on stderr and exit status 2 (``daigou.cli._die``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from daigou.config import Settings


def _die(message: str, detail: Any = None) -> NoReturn:
    from daigou.cli import _die as die

    die(message, detail)


SERVER_FILE = "server.json"


def write_server_file(settings: Settings, host: str, port: int) -> Path:
    import os

    reach = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - a bind-all
    path = Path(settings.data_dir) / SERVER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://[{reach}]:{port}" if ":" in reach else f"http://{reach}:{port}"
    path.write_text(json.dumps({"url": url, "host": host, "port": port, "pid": os.getpid()}))
    return path


def remove_server_file(path: Path) -> None:
    import os

    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _call_address(settings: Settings, url: str | None) -> tuple[str, str]:
    """Where `call` goes, and why: --url, else the address `daigou serve` wrote in
    var/server.json, else DAIGOU_HOST / DAIGOU_PORT (default http://127.0.0.1:8000)."""
    if url:
        return url.rstrip("/"), "--url"
    saved = Path(settings.data_dir) / SERVER_FILE
    fallback = f"http://{settings.host}:{settings.port}"
    try:
        found = json.loads(saved.read_text())
        url, pid = str(found["url"]), found.get("pid")
    except (OSError, ValueError, KeyError, TypeError):
        return fallback, "the settings (no daigou serve found)"
    if isinstance(pid, int) and not _alive(pid):
        return fallback, f"the settings ({saved} is stale: serve process {pid} is gone)"
    return url, str(saved)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _query(params: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in params:
        name, sep, value = p.partition("=")
        if not sep or not name:
            _die(f"error: -p takes name=value (got {p!r}), e.g. -p pageSize=5")
        out[name] = value
    return out


def _body(text: str | None) -> Any:
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _die(f"error: --body is not valid JSON ({exc.msg} at position {exc.pos}): {text[:80]}")


def call(
    method: Annotated[str, typer.Argument(help="GET or POST")],
    path: Annotated[str, typer.Argument(help="e.g. /open/account/balance")],
    body: Annotated[str | None, typer.Option(help="JSON body for POST")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value query parameter")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            "--base-url",
            help="the gateway; default: where `daigou serve` runs (var/server.json)",
        ),
    ] = None,
    access_key: Annotated[str | None, typer.Option(envvar="DAIGOU_ACCESS_KEY")] = None,
    secret: Annotated[str | None, typer.Option(envvar="DAIGOU_ACCESS_SECRET")] = None,
    hmac: Annotated[bool, typer.Option("--hmac/--md5", help="signature method")] = True,
    user_id: Annotated[str | None, typer.Option(help="a sub-account")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="say where it calls")] = False,
) -> None:
    """Make one signed call (defaults to the dev-mode demo developer's key) and print `data`.

    Exit status 0 on success, 2 on any error (one line on stderr)."""
    from daigou_sdk import APIConnectionError, Client, DaigouError

    settings = Settings()
    verb = method.upper()
    if verb not in ("GET", "POST"):
        _die(f"error: METHOD is GET or POST (got {method!r})")
    if not path.startswith("/"):
        _die(f"error: PATH starts with / (got {path!r}), e.g. /open/account/balance")
    if bool(access_key) != bool(secret):
        given, missing = ("--secret", "--access-key") if secret else ("--access-key", "--secret")
        _die(f"error: {given} needs {missing} too (or neither: the demo developer's key)")
    params = _query(param or [])
    payload = _body(body)
    if not access_key or not secret:
        saved = Path(settings.data_dir) / "demo-credentials.json"
        try:
            creds = json.loads(saved.read_text())
            access_key, secret = creds["accessKey"], creds["secret"]
        except (OSError, ValueError, KeyError):
            _die(f"error: give --access-key and --secret (no demo credentials in {saved})")
    base, source = _call_address(settings, url)
    if verbose:
        from daigou.cli import console

        console.print(
            f"{verb} {base}{path} (address from {source})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    client = Client(
        base,
        access_key,
        secret,
        sign_method="HMAC-SHA256" if hmac else "MD5",
        user_id=user_id,
        max_retries=0,
    )
    try:
        with client:
            data = client.get(path, params) if verb == "GET" else client.post(path, payload)
    except APIConnectionError as exc:
        _die(
            f"error: cannot reach the gateway at {base} (address from {source}): is `daigou "
            f"serve` running there? --url names another. ({exc.msg.split(': ', 1)[-1]})"
        )
    except DaigouError as exc:
        if exc.code is None:
            _die(f"error: {exc.msg}")
        _die(f"error {exc.code}: {exc.msg} (requestId {exc.request_id})", exc.data)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
