"""`POST /webhooks/mattermost-command`: a Mattermost slash command. The request's token must equal
MATTERMOST_SLASH_TOKEN. The answer comes at once (Mattermost waits 3 seconds): `/help` is answered in it;
every other command becomes a `chat_command` Dagster run, the answer links it, and the run posts its result to
the command's response_url. Commands are their own trigger words (`/drift-check all`) or words after one
trigger (`/hybrid drift-check all`)."""

from __future__ import annotations

import hmac
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from dagster_project.config.matrix import MatrixError, load_matrix
from dagster_project.ops import launcher
from dagster_project.superset.generate import NoMart, design
from dagster_project.superset.templates import assets_dir, load_values
from dagster_project.webhooks import calls
from dagster_project.webhooks.commands import CHAT_JOB, WORK
from dagster_project.webhooks.signing import Unauthorized

TRIGGER = "hybrid"
HELP = """**hybrid** commands (each runs as a Dagster run; the result is posted here):
- `/drift-check [env|all]`: Superset against the last apply: DRIFT_FOUND or NO_DRIFT and what changed
- `/plan [env]`: what applying the code would change
- `/health [env]`: Odoo, warehouse, Superset and its metadata database
- `/export-dashboard <slug or id> [env]`: a dashboard made in the UI, as code on a new git branch
- `/create-dashboard <words>`: a dashboard from a mart, e.g. `/create-dashboard ar aging by partner` (local only)
- `/help`: this list. Environments: {envs}."""
MAX_ARGS = 20


class SlashCommand(BaseModel):
    """Mattermost's form fields (the ones used; the rest are ignored)."""

    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=1)
    command: str = Field(min_length=2, max_length=64, pattern=r"^/[a-z][a-z0-9_-]*$")
    text: str = Field("", max_length=2000)
    user_name: str = Field("", max_length=64)
    channel_id: str = Field("", max_length=64)
    response_url: HttpUrl | None = None


def check_token(expected: str | None, given: str) -> None:
    if expected is None:
        raise Unauthorized("MATTERMOST_SLASH_TOKEN is not set on the service; fix: set it to the slash command's "
                           "token (Mattermost: Integrations > Slash Commands)")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Unauthorized("the slash command's token does not match MATTERMOST_SLASH_TOKEN")


def words(request: SlashCommand) -> tuple[str, list[str]]:
    name, args = request.command.lstrip("/"), request.text.split()
    if name == TRIGGER:
        name, args = (args[0], args[1:]) if args else ("help", [])
    return name, args[:MAX_ARGS]


def refusal(name: str, args: list[str], env: str) -> str | None:
    """What is wrong with the command's words, answered at once instead of in a failed run."""
    matrix = load_matrix()
    envs = {"drift-check": args[:1], "plan": args[:1], "health": args[:1], "export-dashboard": args[1:2]}.get(name, [])
    try:
        for given in envs:
            if not (name == "drift-check" and given == "all"):
                matrix.resolve(given)
    except MatrixError as exc:
        return str(exc)
    if name == "export-dashboard" and not args:
        return "which dashboard? e.g. `/export-dashboard ar-aging local` (its slug, id or title)"
    if name == "create-dashboard":
        if not args:
            return "what should it show? e.g. `/create-dashboard ar aging by partner`"
        try:
            design(" ".join(args), str(load_values(assets_dir(), env)["schema"]))
        except NoMart as exc:
            return str(exc)
    return None


def ephemeral(text: str, **extra: Any) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, **extra}


def answer(dsn: str, env: str, request: SlashCommand) -> dict[str, Any]:
    name, args = words(request)
    if name == "help":
        return ephemeral(HELP.format(envs=", ".join(load_matrix().environments)))
    if name not in WORK:
        return ephemeral(f"unknown command `/{name}`; `/help` lists them")
    if problem := refusal(name, args, env):
        return ephemeral(f"`/{name}`: {problem}")
    reply_id = (calls.save_reply(dsn, name, request.user_name, str(request.response_url))
                if request.response_url else None)
    run_id = launcher.launch_job(
        CHAT_JOB, tags={"hybrid/caller": f"mattermost:{request.user_name or 'unknown'}",
                        "hybrid/launched_by": "webhook", "hybrid/command": name},
        run_config={"ops": {"run_chat_command": {"config": {"command": name, "args": args, "env": env,
                                                            "user": request.user_name, "reply_id": reply_id}}}})
    shown = " ".join([f"/{name}", *args])
    return ephemeral(f"Running `{shown}` as Dagster run [{run_id[:8]}]({launcher.run_url(run_id)}); "
                     "the result follows here.", run_id=run_id)
