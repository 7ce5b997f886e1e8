"""The documents' tests share the sample day (:mod:`tests.documents.day`)."""

from tests.documents.day import day  # noqa: F401 - a fixture
