from __future__ import annotations

import sys

from segdash.cli import main

sys.exit(main())
