"""The ``syncer`` subcommands, one module per command family.

Each module has ``register(commands)``, which adds its subparsers and sets ``run`` on each to a
function ``(args, context) -> ExitCode``. ``syncer.cli.COMMANDS`` lists the modules' ``register``
functions: a new command is a new module here plus one line there.

``syncer --help`` imports every module here (and ``base``) to list the commands, so at the top
they import only what registering needs: the standard library, ``base``, ``syncer.errors``,
``syncer.logs`` and light constants. What a command needs to run (the configuration, the
trackers' clients, the state backends, the report's renderers, the sandbox) is imported inside
its ``run`` function, when it runs: ``syncer --version`` and ``--help`` load none of jira,
PyGithub, pygal, Jinja2 or psycopg, and ``syncer parse`` never loads the sandbox.
``tests/commands/test_cli.py`` checks it, ``bench/startup_bench.py`` measures it.
"""
