"""The ledger pages: the list of a user's branches and ledgers, one ledger for a year (sortable,
each row linking to its instance), its A4 print view and its Excel export. Scope is checked on
every request (policy.readable_org): another branch's ledgers are "not found"."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale

from app.core import clock
from app.core.errors import NotFound
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.session import current_scope
from app.ledgers import export
from app.ledgers.definitions import LedgerDef
from app.ledgers.policy import readable_org
from app.ledgers.policy import readable_orgs
from app.ledgers.registry import all_ledgers
from app.ledgers.table import LedgerTable
from app.ledgers.table import ledger_table
from app.ledgers.table import sorted_rows

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")


#: Where a ledger kept below is read as a roll-up: a unit over its general branches, branches and
#: groups; a general branch over its branches and groups.
ROLLUP_OF = {
    "unit": frozenset({"general_branch", "branch", "party_group"}),
    "general_branch": frozenset({"branch", "party_group"}),
}


def kept_at(org: OrgUnit) -> list[LedgerDef]:
    """The ledgers ``org`` keeps, and (at a unit or general branch) those kept below it."""
    below = ROLLUP_OF.get(org.kind.value, frozenset())
    return [
        d
        for d in all_ledgers().values()
        if org.kind.value in d.org_kinds or below & set(d.org_kinds)
    ]


@bp.get("/")
def index() -> str:
    kinds = {kind for ledger in all_ledgers().values() for kind in ledger.org_kinds}
    kinds |= {above for above, below in ROLLUP_OF.items() if below & kinds}
    orgs = readable_orgs(db.session, current_scope(), kinds)
    if not orgs:
        raise NotFound()
    year = clock.local_today().year
    chosen = request.args.get("org") or orgs[0].code
    org = next((o for o in orgs if o.code == chosen), orgs[0])
    from app.ledgers.archive_views import visible_archives  # noqa: PLC0415 - it imports bp

    return render_template(
        "ledgers/index.html",
        orgs=orgs,
        org=org,
        ledgers=kept_at(org),
        year=year,
        archives=visible_archives(org),
    )


def _table(code: str, year: int, key: str) -> tuple[LedgerTable, str]:
    org = readable_org(db.session, current_scope(), code)
    ledger = all_ledgers().get(key)
    if ledger is None or ledger not in kept_at(org) or not 1990 <= year <= 2100:
        raise NotFound()
    locale = str(get_locale() or "zh")
    return ledger_table(db.session, ledger, org, year, clock.local_zone(), locale), locale


@bp.get("/<code>/<int:year>/<key>")
def show(code: str, year: int, key: str) -> str:
    table, locale = _table(code, year, key)
    column = request.args.get("sort", type=int)
    descending = request.args.get("dir") == "desc"
    return render_template(
        "ledgers/show.html",
        table=table,
        rows=sorted_rows(table, column, descending),
        sort=column,
        descending=descending,
        locale=locale,
        years=range(clock.local_today().year, clock.local_today().year - 6, -1),
    )


@bp.get("/<code>/year/<key>")
def choose_year(code: str, key: str) -> Response:
    """The year filter's form: to the ledger's page of the chosen year."""
    year = request.args.get("year", type=int) or clock.local_today().year
    return redirect(url_for("ledgers.show", code=code, year=year, key=key))


@bp.get("/<code>/<int:year>/<key>/print")
def print_view(code: str, year: int, key: str) -> str:
    table, locale = _table(code, year, key)
    return render_template("ledgers/print.html", table=table, locale=locale, printed_at=clock.now())


@bp.get("/<code>/<int:year>/<key>.xlsx")
def excel(code: str, year: int, key: str) -> Response:
    table, locale = _table(code, year, key)
    name = f"{code}-{year}-{key}.xlsx"
    return Response(
        export.workbook_bytes(table, locale),
        mimetype=export.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
