"""`orsync run`: one inference call from the command line, or a suite of smoke tests.

- `bodies`: what the user asked for (`Prompt`) as the request body of each endpoint;
- `replies`: what came back (a body or a stream of events) as a `Reply`: text, model,
  provider, tokens, cost;
- `calls`: making the call, timing it and turning an API error into an `Outcome`;
- `secrets`: where an inference key's secret comes from (env, or apply's secrets file);
- `suite`: running a file's `smoke:` entries concurrently and checking their expectations;
- `junit`: the results as JUnit XML for CI test reports.
"""
