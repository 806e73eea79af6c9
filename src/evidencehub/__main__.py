"""``python -m evidencehub`` runs the command line."""

import sys

from evidencehub.cli import main

sys.exit(main())
