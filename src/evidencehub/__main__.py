"""``python -m evidencehub`` runs the command line."""

from evidencehub.cli import run

run()
