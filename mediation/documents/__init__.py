"""The centre's documents (文书): templates under ``rules/templates/``, rendered per case.

- :mod:`.kinds`: the seven kinds and when a case allows each;
- :mod:`.context`: what a template can read of a case (plain values);
- :mod:`.render`: docxtpl in a sandboxed, strict Jinja2 environment;
- :mod:`.write`: writing one (a recorded reveal, an atomic file), a batch, PDF;
- :mod:`.chinese`: 二〇二〇年十月九日 and 人民币壹万贰仟元整;
- :mod:`.make_templates`: how the shipped templates are made (python-docx).
"""

from mediation.documents.chinese import amount_in_capitals, amount_in_figures, chinese_date
from mediation.documents.kinds import KINDS, Kind
from mediation.documents.render import TemplateError
from mediation.documents.write import (
    Batch,
    ToolMissing,
    Written,
    allowed_kinds,
    select_cases,
    template_path,
    write_document,
    write_documents,
)

__all__ = [
    "KINDS", "Batch", "Kind", "TemplateError", "ToolMissing", "Written", "allowed_kinds",
    "amount_in_capitals", "amount_in_figures", "chinese_date", "select_cases", "template_path",
    "write_document", "write_documents",
]
