"""The auditor's workspace: find any process of one's subtree, step through its history, verify
it (hash chains, deterministic replay, anchors) and export it. Reads only: nothing here writes
a domain record, and an auditor's role grants no command."""

from app.auditing import models as models  # the anchor table is part of the schema
