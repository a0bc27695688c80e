#!/usr/bin/env python3
"""Post a plan as one merge request note, or update the note an earlier pipeline posted.

    python3 ci/gitlab_mr_note.py plan.md

The note starts with a hidden marker; the one that already carries it is edited, so a merge
request shows a single, current plan however often it is pushed to. Uses GitLab's predefined
variables (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID) and GITLAB_API_TOKEN, a project
access token with the api scope. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request

MARKER = "<!-- orsync-plan -->"
MAX_PAGES = 50       # 5,000 notes: far more than a merge request has
TIMEOUT_SECONDS = 30


def api(method: str, path: str, payload: dict | None = None):
    url = os.environ["CI_API_V4_URL"].rstrip("/") + path
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "PRIVATE-TOKEN": os.environ["GITLAB_API_TOKEN"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return json.load(response)


def notes_path() -> str:
    project = urllib.parse.quote(os.environ["CI_PROJECT_ID"], safe="")
    return f"/projects/{project}/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes"


def our_note_id() -> int | None:
    for page in range(1, MAX_PAGES + 1):
        notes = api("GET", f"{notes_path()}?per_page=100&page={page}")
        for note in notes:
            if note.get("body", "").startswith(MARKER):
                return note["id"]
        if len(notes) < 100:
            return None
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: gitlab_mr_note.py PLAN.md", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        body = f"{MARKER}\n{handle.read()}"
    note_id = our_note_id()
    if note_id is None:
        api("POST", notes_path(), {"body": body})
        print("gitlab_mr_note: posted the plan", file=sys.stderr)
    else:
        api("PUT", f"{notes_path()}/{note_id}", {"body": body})
        print(f"gitlab_mr_note: updated note {note_id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
