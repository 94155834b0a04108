"""Plan: what to do with the segments — territories and the sales capacity plan."""
