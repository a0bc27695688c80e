# conftest policy: no plan may delete or replace an object whose name is protected.
#
#   orsync plan org.yaml --format json > plan.json
#   conftest test --policy docs/policies plan.json
#
# Written against the shape of `terraform show -json` (resource_changes[].mode, .type,
# .change.actions, .change.before), so it also checks Terraform plans of the official
# OpenRouter provider. orsync adds `live_name`: a pinned entry (`hash:`/`id:`) may be declared
# as `tmp` while the live object it deletes is called `prod-backend`; the live name is checked too.
package main

import rego.v1

# Name globs (glob.match syntax; no delimiters, so `*` also matches `/` in `team/prod-x`).
protected := ["prod-*", "billing"]

deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	"delete" in rc.change.actions
	some name in names(rc)
	some pattern in protected
	glob.match(pattern, [], name)
	msg := sprintf("%s: %v would delete %q, which is protected by %q", [rc.address, rc.change.actions, name, pattern])
}

# Every name the change is known by: the declared one, the live object's own, and the name
# recorded in `before` (Terraform plans have only the last two of these).
names(rc) := {name |
	some name in [rc.name, object.get(rc, "live_name", null), object.get(rc.change.before, "name", null)]
	is_string(name)
}
