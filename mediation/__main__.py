"""``python -m mediation`` runs the CLI."""

from mediation.cli import main

main()
