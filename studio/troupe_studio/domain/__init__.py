"""Pure domain code of Studio: no I/O, no web, database, store or cluster imports."""
