"""Everything that talks to the API server: the kopf handlers, the child watch, the per-job
workers and the adapter that carries out a plan."""
