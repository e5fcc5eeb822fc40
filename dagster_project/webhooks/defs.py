"""The webhook service's work as Dagster jobs, so everything it does shows in the UI with its logs:

- `chat_command`: one slash command (webhooks/commands.py); its reply goes to the Mattermost response_url
  kept in `ops.chat_replies` (the URL never enters the run's config) and stays in the run's metadata;
- `odoo_invoice_refresh`: the marts and Superset objects downstream of the Odoo moves, launched by
  `POST /webhooks/odoo-invoice` instead of waiting for the next automation tick.
"""


from typing import Optional

from dagster import (
    AssetKey,
    AssetSelection,
    Config,
    Definitions,
    Failure,
    MetadataValue,
    OpExecutionContext,
    Output,
    define_asset_job,
    in_process_executor,
    job,
    op,
)

from dagster_project.config.matrix import Environment
from dagster_project.config.mattermost import NotificationFailed, post_with_retry
from dagster_project.reports.defs import GROUP as REPORTS
from dagster_project.superset.control import environment, state_dsn
from dagster_project.webhooks import calls
from dagster_project.webhooks.commands import CHAT_JOB, WORK, Reply
from dagster_project.webhooks.odoo_refresh import JOB_NAME as REFRESH_JOB

MOVE_TABLES = (AssetKey(["odoo", "account_move"]), AssetKey(["odoo", "account_move_line"]))


class ChatCommand(Config):
    command: str  # a key of commands.WORK
    args: list[str] = []
    env: str  # the service's environment: where the reply slot is and the default target
    user: str = ""
    reply_id: Optional[str] = None  # noqa: UP045 - Dagster resolves config annotations at runtime


@op(name="run_chat_command")
def run_chat_command(context: OpExecutionContext, config: ChatCommand) -> Output[None]:
    if config.command not in WORK:
        raise Failure(f"unknown command {config.command!r}; known: {', '.join(sorted(WORK))}")
    try:
        reply = WORK[config.command](config.args, config.env, config.user)
    except Exception as exc:  # noqa: BLE001 - every failure is the reply the user reads, then the run fails
        reply = Reply(f"/{config.command} failed: {exc}", {"error": str(exc)}, ok=False)
    context.log.info(reply.text)
    posted = _post(context, config, reply)
    if not reply.ok:
        raise Failure(reply.text, metadata={"posted": posted})
    return Output(None, metadata={"reply": MetadataValue.md(reply.text), "result": MetadataValue.json(reply.data),
                                  "posted": posted})


def _post(context: OpExecutionContext, config: ChatCommand, reply: Reply) -> bool:
    if not config.reply_id:
        return False
    url = calls.pop_reply(state_dsn(environment(config.env)), config.reply_id)
    if url is None:
        context.log.warning("the reply slot expired or was used (Mattermost takes replies for 30 minutes)")
        return False
    try:
        return post_with_retry(reply.text, url, kind=f"/{config.command} reply",
                               fields={"response_type": "in_channel" if reply.ok else "ephemeral"})
    except NotificationFailed as exc:
        context.log.error(f"the reply could not be posted: {exc}")
        return False


@job(name=CHAT_JOB, executor_def=in_process_executor,
     description="One Mattermost slash command, launched by the webhook service; the reply is posted back.")
def chat_command() -> None:
    run_chat_command()


def webhooks_definitions(env: Environment) -> Definitions:
    refresh = define_asset_job(
        REFRESH_JOB,
        selection=(AssetSelection.assets(*MOVE_TABLES).downstream() - AssetSelection.assets(*MOVE_TABLES)
                   - AssetSelection.groups(REPORTS)),  # the monthly report is rebuilt by its partition
        executor_def=in_process_executor,
        description="Rebuild what reads the Odoo moves now: launched by Odoo's invoice-posted webhook.")
    return Definitions(jobs=[chat_command, refresh])
