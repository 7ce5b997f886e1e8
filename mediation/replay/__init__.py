"""Replaying historical cases through the rules: one pipeline, three uses.

- :mod:`.pipeline`: the loop every use shares (read rows -> convert -> date ->
  review and route -> tally) and its accounting: ``read = routed + rejected``;
- :mod:`.dry`: where a file's cases would go, nothing stored (on one
  process or several, :mod:`.workers`);
- :mod:`.persisted`: a history loaded into the database, each case exactly
  once, with the events a desk would have written (:mod:`.plan`);
- :mod:`.diff`: two rule sets over the same cases, and which cases move.

Below them: :mod:`.readers` (CSV and JSON Lines, streamed, with line
numbers), :mod:`.convert` (rows to cases, fast, with ``parse_case`` as the
reference; :mod:`.codegen` writes the code for each layout from the
definition of a case's fields),
:mod:`.values` (replay columns), :mod:`.history` (a history checked against
the lifecycle), :mod:`.summary` (counts) and :mod:`.output` (result and
rejects files, written atomically).
"""

from mediation.replay.diff import RulesDiff, diff_rules
from mediation.replay.dry import dry_run
from mediation.replay.persisted import PersistSummary, persist
from mediation.replay.summary import Summary

__all__ = ["PersistSummary", "RulesDiff", "Summary", "diff_rules", "dry_run", "persist"]
