"""Plan: what to do with the segments — priorities, coverage plays, the sales capacity plan and territories."""
