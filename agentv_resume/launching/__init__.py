"""The launch side: request rules, agentv's argv, and the launcher shared by the CLI and the server."""
