"""Plan: what to do with the segments: priorities, coverage plays, territories and capacity."""
