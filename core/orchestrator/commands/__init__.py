"""Write side: each command records an action and the pending step in one transaction."""
