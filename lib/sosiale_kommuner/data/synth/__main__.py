"""``python -m sosiale_kommuner.data.synth``: write the synthetic raw files (see :mod:`.cli`)."""
from .cli import main

raise SystemExit(main())
