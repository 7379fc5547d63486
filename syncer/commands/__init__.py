"""The ``syncer`` subcommands, one module per command family.

Each module has ``register(commands)``, which adds its subparsers and sets ``run`` on each to a
function ``(args, context) -> ExitCode``. ``syncer.cli.COMMANDS`` lists the modules' ``register``
functions: a new command is a new module here plus one line there. Modules import what they need
when they run, so the product commands never import the sandbox.
"""
