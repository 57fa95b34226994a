"""The read side: a project, its runs and their index files.  Starts no process."""
