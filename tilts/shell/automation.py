"""``tilts automation create``: tell someone when a Tilts flow run fails (operations.md §7).

Creates (or replaces) a Prefect automation that reacts to any flow run entering ``Failed``
or ``Crashed`` and sends a notification through an existing Prefect notification block
(e-mail, Slack, MS Teams, a webhook … — created by the operator with ``prefect block create``).
A night in which a service failed after its retries ends ``Failed`` (flows/reporting.py
``conclude``), so the automation fires on a registry outage; a night with quarantined records
only ends ``Completed`` (the summary artifact and ``tilts status`` list them). The message links
the run in the Prefect UI (``flow_run|ui_url``). ``tag`` limits it to runs carrying that tag
(every deployment in ``prefect.yaml`` has the tag ``tilts``), so a Prefect server shared with
other projects does not page the Tilts operator for their runs.
"""

from __future__ import annotations

from typing import Any

from tilts.kernel.errors import ConfigError, UnreachableError

AUTOMATION_NAME = "tilts-flow-run-failures"
SUBJECT = "Tilts: flow run {{ flow_run.name }} of {{ flow.name }} is {{ flow_run.state.name }}"
BODY = (
    "Flow run {{ flow_run.name }} ({{ flow.name }}) entered {{ flow_run.state.name }}.\n"
    "Run: {{ flow_run|ui_url }}\n"
    "Its summary artifact says what failed and what the next run retries; `tilts status` on\n"
    "the Tilts host shows the same."
)


def create_failure_automation(
    block_name: str, name: str = AUTOMATION_NAME, tag: str | None = None
) -> str:
    """Create or replace the failure automation; returns its id.

    Args:
        block_name: ``<block-type-slug>/<block-name>`` of an existing notification block.
        tag: only runs with this tag (e.g. ``tilts``); ``None``: every flow run.

    Raises:
        ConfigError: the block does not exist.
        UnreachableError: no Prefect API answered.
    """
    from prefect.automations import Automation, EventTrigger
    from prefect.blocks.core import Block
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import Posture

    try:
        block: Any = Block.load(block_name)
    except ValueError as exc:
        raise ConfigError(f"--block: no notification block {block_name!r} ({exc})") from None
    except Exception as exc:
        raise UnreachableError(f"Prefect API: {type(exc).__name__}") from None
    block_id = block._block_document_id
    try:
        existing: Any = Automation.read(name=name)
    except Exception:
        existing = None
    if existing is not None:
        existing.delete()
    automation = Automation(
        name=name,
        description="Notify when a Tilts flow run fails or crashes"
        + (f" (runs tagged {tag!r})." if tag else "."),
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=(
                {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{tag}"}
                if tag
                else {}
            ),
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    )
    created: Any = automation.create()
    return str(created.id)
