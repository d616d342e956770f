"""Write use cases of the workflow domain (each a command for ``core.commands.run``)."""

from app.workflow.background import fire_due_timers
from app.workflow.background import retry_pending_messages
from app.workflow.deploy import deploy_definitions
from app.workflow.instances import cancel_instance
from app.workflow.instances import resume_instance
from app.workflow.instances import retry_incident
from app.workflow.instances import start_instance
from app.workflow.instances import suspend_instance
from app.workflow.tasks import assign_task
from app.workflow.tasks import claim_task
from app.workflow.tasks import complete_task
from app.workflow.tasks import unclaim_task

__all__ = [
    "assign_task",
    "cancel_instance",
    "claim_task",
    "complete_task",
    "deploy_definitions",
    "fire_due_timers",
    "resume_instance",
    "retry_incident",
    "retry_pending_messages",
    "start_instance",
    "suspend_instance",
    "unclaim_task",
]
