"""The only code that talks to git: pygit2 for objects and refs, the git CLI for the network."""
