"""Apply order, as steps every kind places its changes on (lower steps run first; the changes
of one step run concurrently). What others refer to is written first, what holds others is
deleted last: workspaces, then guardrails and default guardrails, keys, key moves, new
workspace members (a member is given a workspace's guardrail only once in the workspace),
assignments, members removed, budgets, and the deletes in the reverse order.
"""

WORKSPACE_RENAMES = -1  # first: a slug a rename frees may be taken by a workspace created next
WORKSPACE_WRITES = 0
GUARDRAIL_WRITES = 10
KEY_WRITES = 20
KEY_MOVES = 30
MEMBERS_ADDED = 35
ASSIGN = 40
UNASSIGN = 50
MEMBERS_REMOVED = 60
BUDGETS = 70          # 70..78: deletes, increases from the widest interval, decreases from the narrowest
KEY_DELETES = 80
GUARDRAIL_DELETES = 90
WORKSPACE_DELETES = 100
