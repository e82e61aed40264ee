"""The workflow as pure steps: typed inputs (the clock passed in as `now`) to a typed result."""
