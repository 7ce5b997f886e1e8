"""The front desk's use cases: each one transaction on the store, with its events.

- :mod:`.registration`: 登记 a new case (also a partner's entrusted case, and
  idempotently under a request key);
- :mod:`.partners`: partner institutions and their bearer tokens;
- :mod:`.moves`: review, divert (and a supervisor's override), take, settle,
  fail, serve, transfer, extend, withdraw, close, reveal;
- :mod:`.transaction`: how each of them reads, checks and writes a case;
- :mod:`.read`: one case with its timeline, filtered lists, a destination's queue;
- :mod:`.views`: what is shown of them (the JSON of ``case show``, list lines);
- :mod:`.roles`: who may do what (roles read from the database);
- :mod:`.staff`: the staff table, seeded by ``init``, changed by supervisors (audited);
- :mod:`.identity`: who acts, from the login (PostgreSQL role or OS user);
- :mod:`.escalation`: 督办 of overdue cases.
"""

from mediation.desk.escalation import EscalationRun, escalate
from mediation.desk.moves import (
    close,
    destination_id,
    divert,
    extend,
    fail,
    reveal,
    review,
    serve,
    settle,
    take,
    transfer,
    withdraw,
)
from mediation.desk.partners import (
    Partner,
    add_partner,
    authenticate,
    list_partners,
    partner_history,
    revoke_partner,
)
from mediation.desk.read import CaseRecord, Page, list_cases, queue, show
from mediation.desk.registration import answered, entrust, register
from mediation.desk.views import case_view, deadline_view, summary_view

__all__ = [
    "CaseRecord", "EscalationRun", "Page", "case_view", "close", "deadline_view", "destination_id", "divert",
    "escalate", "extend", "fail", "list_cases", "queue", "register", "reveal", "review", "serve", "settle",
    "show", "summary_view", "take", "transfer", "withdraw",
    "Partner", "add_partner", "answered", "authenticate", "entrust", "list_partners", "partner_history",
    "revoke_partner",
]
