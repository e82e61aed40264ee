"""The step engine: claim, load inputs, run the pure step, commit, explain; leases, retries, executors."""
