# conftest policy: every API key a plan creates, or changes the limit of, has a spending limit.
#
#   orsync plan org.yaml --format json > plan.json
#   conftest test --policy docs/policies plan.json
#
# `openrouter_api_key` is the type of the official OpenRouter Terraform provider, which orsync's
# JSON plan uses, so the same policy checks both tools' plans. In orsync a field the file leaves
# out is unmanaged and absent from `after`: a new key without `limit:` has no limit; an update
# that does not mention `limit` leaves the live one alone.
package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type == "openrouter_api_key"
	"create" in rc.change.actions
	object.get(rc.change.after, "limit", null) == null
	msg := sprintf("%s: a new key must have a spending limit (limit: USD)", [rc.address])
}

deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type == "openrouter_api_key"
	rc.change.actions == ["update"]
	"limit" in object.keys(rc.change.after)
	rc.change.after.limit == null
	msg := sprintf("%s: this update removes the key's spending limit", [rc.address])
}
