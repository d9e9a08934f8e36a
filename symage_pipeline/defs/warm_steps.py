"""Imported by the forkserver that step processes are forked from (`execution.CODE_MODULES`): the
code location's definitions, the catalog and a document of every form (`pipeline.warm`: templates,
label caches, lazy imports) are made there once, so a step starts with them instead of spending
its first ~0.2 s on them. Importing this module does that work, which is why nothing else
imports it."""

from symage_pipeline.defs.run_worker import warm_code

warm_code()
