"""The deployment check of a set of BPMN/DMN files, run to the end whatever it meets.

Deploying and ``processes check`` share this pipeline: hardened XML, a fresh ``BranchFlowParser``
with XSD validation (a parser that raised once hands out half-built specs, so it is never reused),
our own static checks (``checks.py``), then building each executable process. Each stage reports
what it finds and the next stage goes on with whatever is still readable, so one broken file does
not hide the problems of the others, and our conventions are checked even in a document the
library refused. Anything unexpected the library or lxml raises on an odd model becomes a problem
of that file — a designer's upload must never end in a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.checks import check_documents
from app.engine.english import check_english
from app.engine.errors import XML
from app.engine.errors import ModelError
from app.engine.locate import TOO_LONG_EN
from app.engine.locate import TOO_LONG_ZH
from app.engine.locate import executable_process_ids
from app.engine.locate import library_problem
from app.engine.locate import problem_at
from app.engine.locate import unexpected
from app.engine.multi_instance import BranchFlowParser
from app.engine.parsed import ParsedProcess
from app.engine.parsed import build_process
from app.engine.services import ActionSignature
from app.engine.xml import DEFAULT_MAX_BYTES
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml


@dataclass(frozen=True)
class ModelCheck:
    """Every problem of a file set, and the processes that could be built from it."""

    files: tuple[str, ...]
    problems: tuple[ModelError, ...]
    processes: tuple[ParsedProcess, ...]

    @property
    def deployable(self) -> bool:
        return not self.problems

    def problems_of(self, file: str) -> list[ModelError]:
        return [p for p in self.problems if p.file == file]

    def set_problems(self) -> list[ModelError]:
        """Problems that belong to no one file of the set."""
        return [p for p in self.problems if p.file not in self.files]


def is_dmn(name: str) -> bool:
    return name.lower().endswith(".dmn")


def check_models(
    sources: Mapping[str, bytes],
    *,
    known_roles: Set[str],
    known_forms: Set[str],
    step_bound: int = 300,
    max_bytes: int = DEFAULT_MAX_BYTES,
    multi_instance_bound: int = 300,
    actions: Mapping[str, ActionSignature] | None = None,
    english_required: bool = False,
) -> ModelCheck:
    """Check ``sources`` (name → bytes) as one set; never raises. ``actions`` is the catalogue of
    domain actions service tasks may call (none when not given); ``english_required``: a Chinese
    name without its English is a problem."""
    problems: list[ModelError] = []
    trees = _read_xml(sources, max_bytes, problems)
    parser = BranchFlowParser(validator=VALIDATOR)
    _add_to_parser(parser, trees, problems)
    problems += _static_checks(
        trees, known_roles, known_forms, step_bound, multi_instance_bound, actions or {}
    )
    if english_required:
        problems += [
            problem
            for name, root in trees.items()
            if not is_dmn(name)
            for problem in check_english(name, root)
        ]
    processes = _build_all(parser, trees, problems)
    problems += _nothing_executable(trees)
    return ModelCheck(tuple(sorted(sources)), tuple(problems), tuple(processes))


def _read_xml(
    sources: Mapping[str, bytes], max_bytes: int, problems: list[ModelError]
) -> dict[str, etree._Element]:
    trees = {}
    for name, data in sorted(sources.items()):
        try:
            trees[name] = parse_model_xml(data, max_bytes=max_bytes)
        except UnsafeXml as refused:
            problems.append(
                ModelError(name, None, refused.line, refused.reason_en, refused.reason_zh, XML)
            )
        except Exception as exc:  # noqa: BLE001 - lxml can fail in ways it does not document
            problems.append(unexpected(name, None, exc, XML))
    return trees


def _add_to_parser(
    parser: SpiffBpmnParser, trees: Mapping[str, etree._Element], problems: list[ModelError]
) -> None:
    for name, root in trees.items():
        try:
            if is_dmn(name):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            problems.append(library_problem(exc, name, trees))
        except Exception as exc:  # noqa: BLE001 - the library's own KeyErrors, AttributeErrors…
            problems.append(unexpected(name, root.get("id"), exc))


def _static_checks(
    trees: Mapping[str, etree._Element],
    known_roles: Set[str],
    known_forms: Set[str],
    step_bound: int,
    multi_instance_bound: int,
    actions: Mapping[str, ActionSignature],
) -> list[ModelError]:
    """Our checks over the whole set; if they break on some file, over each file alone, so the
    breakage is pinned on the file that caused it and the others are still checked."""

    def run(subset: Mapping[str, etree._Element]) -> list[ModelError]:
        return check_documents(
            subset,
            known_roles=known_roles,
            known_forms=known_forms,
            step_bound=step_bound,
            multi_instance_bound=multi_instance_bound,
            actions=actions,
        )

    try:
        return run(trees)
    except Exception:  # noqa: BLE001 - retried file by file
        problems = []
    for name, root in trees.items():
        try:
            problems += run({name: root})
        except Exception as exc:  # noqa: BLE001
            problems.append(unexpected(name, root.get("id"), exc))
    return problems


def _build_all(
    parser: SpiffBpmnParser, trees: Mapping[str, etree._Element], problems: list[ModelError]
) -> list[ParsedProcess]:
    built = []
    try:
        process_ids = sorted(parser.get_process_ids())
    except Exception as exc:  # noqa: BLE001
        problems.append(unexpected("", None, exc))
        return built
    for process_id in process_ids:
        file = _file_of(parser, process_id)
        try:
            built.append(build_process(parser, process_id, trees))
        except ValidationException as exc:
            problems.append(library_problem(exc, file, trees, process_id))
        except RecursionError:
            problems.append(
                problem_at(
                    trees,
                    file,
                    process_id,
                    TOO_LONG_EN,
                    TOO_LONG_ZH,
                )
            )
        except Exception as exc:  # noqa: BLE001
            problems.append(unexpected(file, process_id, exc))
    return built


def _file_of(parser: SpiffBpmnParser, process_id: str) -> str:
    process_parser = parser.process_parsers.get(process_id)
    return getattr(process_parser, "filename", None) or ""


def _nothing_executable(trees: Mapping[str, etree._Element]) -> list[ModelError]:
    """A set without any executable process deploys nothing: say so on each file of it."""
    if not trees or any(executable_process_ids(root) for root in trees.values()):
        return []
    bpmn = {n: r for n, r in trees.items() if not is_dmn(n)} or dict(trees)
    problems = []
    for name, root in bpmn.items():
        process = next(root.iter("{*}process"), root)
        problems.append(
            ModelError(
                name,
                process.get("id") or root.get("id"),
                process.sourceline,
                "no executable process found (isExecutable)",
                "没有可执行的流程（isExecutable）",
            )
        )
    return problems
