"""Command-line tools: `troupe` (a kubectl companion) and the reference generator."""
