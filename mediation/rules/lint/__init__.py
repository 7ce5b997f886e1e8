"""Lint of a loaded rule set: the mistakes that load fine but route wrongly.

- :mod:`.findings`: the findings, their codes and severities, and :func:`lint` itself;
- :mod:`.policy`: first-match analysis of a policy (who takes whose cases);
- :mod:`.space`: the space of cases the analysis partitions (finite fields, numbers, words);
- :mod:`.values`: cutting numeric fields at the thresholds rules use, and splitting text tests.
"""

from mediation.rules.lint.findings import SEVERITIES, Finding, LintReport, check, lint

__all__ = ["SEVERITIES", "Finding", "LintReport", "check", "lint"]
