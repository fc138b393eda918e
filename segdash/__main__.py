from __future__ import annotations

from segdash.cli import leave, main

leave(main())
