"""The centre's statistics for a period: the figures of its annual report, rendered and charted.

- :mod:`.figures`: counting the cases received in a period (:func:`build_report`);
- :mod:`.render`: the report as the centre writes it (sentences, tables, CSV, JSON);
- :mod:`.chart`: cases per destination and month as a bar chart (matplotlib, optional).
"""

from mediation.report.figures import Report, build_report, period

__all__ = ["Report", "build_report", "period"]
