#!/usr/bin/env python3
"""Open, update or close the drift issue after `orsync drift`.

    status=0; orsync drift org.yaml --format markdown > drift.md || status=$?
    python3 ci/gitlab_drift_issue.py "$status" drift.md

Exit status 2 (drift): opens an issue labelled orsync-drift with the differences, or comments
on the one already open. 0 (in sync): closes the open one, if any. Anything else (an error:
bad key, API down) is passed on as this script's own exit status, so the job fails. Uses
GitLab's predefined CI_API_V4_URL and CI_PROJECT_ID and GITLAB_API_TOKEN (a project access
token with the api scope), like gitlab_mr_note.py beside it. Standard library only.
"""

from __future__ import annotations

import os
import sys
import urllib.parse

from gitlab_mr_note import api

LABEL = "orsync-drift"


def issues_path() -> str:
    return f"/projects/{urllib.parse.quote(os.environ['CI_PROJECT_ID'], safe='')}/issues"


def open_issue() -> int | None:
    """The iid of the open drift issue (the newest, should there be several)."""
    found = api("GET", f"{issues_path()}?state=opened&labels={LABEL}&order_by=created_at&per_page=1")
    return found[0]["iid"] if found else None


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: gitlab_drift_issue.py DRIFT_EXIT_STATUS DRIFT.md", file=sys.stderr)
        return 2
    status = int(argv[0])
    if status not in (0, 2):
        print(f"gitlab_drift_issue: orsync drift failed (exit {status}); no issue changed", file=sys.stderr)
        return status
    iid = open_issue()
    if status == 2:
        with open(argv[1], encoding="utf-8") as handle:
            body = handle.read()
        if iid is None:
            created = api("POST", issues_path(), {
                "title": f"orsync: the OpenRouter org drifted from {os.environ.get('ORSYNC_FILE', 'org.yaml')}",
                "labels": LABEL, "description": body})
            print(f"gitlab_drift_issue: opened issue {created['iid']}", file=sys.stderr)
        else:
            api("POST", f"{issues_path()}/{iid}/notes", {"body": body})
            print(f"gitlab_drift_issue: commented on issue {iid}", file=sys.stderr)
    elif iid is not None:
        api("POST", f"{issues_path()}/{iid}/notes", {"body": "In sync with the org file again."})
        api("PUT", f"{issues_path()}/{iid}", {"state_event": "close"})
        print(f"gitlab_drift_issue: closed issue {iid}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
