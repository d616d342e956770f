"""The hostile corpus: code a process designer could write to stop, hang or exhaust the server.

Every case puts one piece of code at one expression site (hostile_kit.SITES) and asserts one of two
outcomes: deployment refuses it, naming the element, and deploys nothing; or the instance starts,
the code is stopped within its limit, and the instance keeps running with an incident that says in
Chinese what happened — while this process (the "server") goes on serving requests.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.workflow import instances as commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.plugins.people import actor
from tests.workflow.hostile_kit import SITES

#: Seen statically: each is refused at deployment wherever it is written.
REFUSED_ANYWHERE = {
    "throw_system_exit": "(i for i in [1]).throw(SystemExit)",
    "keyboard_interrupt": "[KeyboardInterrupt][0]",
    "base_exception": "[BaseException, GeneratorExit]",
    "dunder_import": "__import__('os').system('true')",
}

#: What the incident says when the code was stopped: by the kernel's CPU limit, or, on a machine
#: so loaded that the CPU time did not accrue in time, by the wall-clock backstop.
STOPPED = "已被终止"

#: Stopped at run time, by the kernel's limits or by the check of what comes back.
CONTAINED_ANYWHERE = {
    "cpu_in_one_c_call": ("sum(range(10**12))", STOPPED),
    "gigabyte_string": ("len('a' * 10**9)", "内存"),
    "eight_gigabyte_list": ("len([0] * 10**9)", "内存"),
    "generator_value": ("(i for i in [1])", "任务数据"),
}

#: Statements: only where a script is written.
REFUSED_SCRIPTS = {
    "raise_system_exit": "raise SystemExit(3)",
    "catch_base_exception": "try:\n    x = 1\nexcept BaseException:\n    pass",
    "bare_except": "try:\n    x = 1\nexcept:\n    pass",
    "import_os": "import os",
    "exec_builtin": "exec('x = 1')",
}

CONTAINED_SCRIPTS = {
    "timeout_caught_then_loop": (
        "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nwhile True:\n    pass",
        STOPPED,
    ),
    "endless_loop": ("while True:\n    pass", STOPPED),
    "big_integer_squared": ("x = 2 ** 64\nfor i in range(40):\n    x = x * x", "模型代码"),
    "huge_decimal": ("x = int(Decimal('1e100000000'))", "模型代码"),
    "runaway_recursion": ("def f(n):\n    return f(n + 1)\nx = f(0)", "RecursionError"),
    "value_over_the_size_limit": ("x = 'a' * (50 * 1024 * 1024)", "任务数据"),
    "set_left_in_data": ("x = {1, 2}", "任务数据"),
    "nan_left_in_data": ("x = float('nan')", "任务数据"),
    "nested_too_deep": ("x = []\nfor i in range(100000):\n    x = [x]", "任务数据"),
    "exit_builtin": ("exit(3)", "NameError"),
}

SCRIPT_SITES = ("script", "pre_script", "post_script")


def _cases() -> list:
    cases = []
    for site in SITES:
        for name, code in REFUSED_ANYWHERE.items():
            cases.append(pytest.param(site, code, None, id=f"{site}-{name}-refused"))
        for name, (code, said) in CONTAINED_ANYWHERE.items():
            if site == "dmn_input" and name == "generator_value":
                continue  # the library compares an input with its entry; no value is kept
            kept = f"x = {code}" if site in SCRIPT_SITES else code  # a script keeps what it sets
            cases.append(pytest.param(site, kept, said, id=f"{site}-{name}-contained"))
    for site in SCRIPT_SITES:
        for name, code in REFUSED_SCRIPTS.items():
            cases.append(pytest.param(site, code, None, id=f"{site}-{name}-refused"))
    for name, (code, said) in CONTAINED_SCRIPTS.items():
        cases.append(pytest.param("script", code, said, id=f"script-{name}-contained"))
    return cases


@pytest.fixture
def quick_limits(app):
    app.config.update(SCRIPT_TIME_LIMIT_SECONDS=1, SCRIPT_RUN_BUDGET_SECONDS=5)


def _definitions() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessDefinition))


@pytest.mark.parametrize(("site", "code", "said"), _cases())
def test_hostile_code_is_refused_or_contained(client, people, quick_limits, site, code, said):
    sources = SITES[site](code)
    if said is None:
        with pytest.raises(DeploymentRefused) as refused:
            run(deploy_definitions, actor=SYSTEM, sources=sources)
        assert any(e.element_id for e in refused.value.errors), refused.value.errors
        assert _definitions() == 0
    else:
        (deployed,) = run(deploy_definitions, actor=SYSTEM, sources=sources)
        started = time.monotonic()
        instance_id = run(
            commands.start_instance,
            actor=actor("root"),
            process_key=deployed.process_key,
            org_code=people.tree.branch1,
        )
        assert time.monotonic() - started < 10
        (incident,) = db.session.scalars(
            select(Incident).where(Incident.instance_id == instance_id)
        ).all()
        assert said in incident.message
        assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    assert client.get("/healthz").status_code == 200  # the server is still serving


@pytest.mark.parametrize("site", list(SITES))
def test_every_site_is_reached_when_the_instance_starts(people, quick_limits, site):
    """The corpus means something only if each site's code really runs at start: a name error
    at every site becomes an incident there."""
    (deployed,) = run(deploy_definitions, actor=SYSTEM, sources=SITES[site]("no_such_variable + 1"))
    instance_id = run(
        commands.start_instance,
        actor=actor("root"),
        process_key=deployed.process_key,
        org_code=people.tree.branch1,
    )
    (incident,) = db.session.scalars(select(Incident).where(Incident.instance_id == instance_id))
    assert "NameError" in incident.message
    assert "模型代码出错" in incident.message


def test_a_stopped_sandbox_is_replaced_and_the_next_instance_runs(people, quick_limits):
    pid = os.getpid()
    run(deploy_definitions, actor=SYSTEM, sources=SITES["script"]("while True:\n    pass"))
    run(
        deploy_definitions,
        actor=SYSTEM,
        sources=SITES["condition"]("1 + 1 == 2"),
    )
    for key in ("h_script", "h_condition"):
        run(
            commands.start_instance,
            actor=actor("root"),
            process_key=key,
            org_code=people.tree.branch1,
        )
    finished = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.process_key == "h_condition")
    ).one()
    assert finished.status is InstanceStatus.COMPLETED
    assert os.getpid() == pid
