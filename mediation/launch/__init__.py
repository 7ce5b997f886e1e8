"""Start the ``mediation`` command quickly: a warm process that forks a child per command.

A desk command is over in a few milliseconds of work, but a new Python process
spends ten times that importing SQLAlchemy, click and rich. Like Mercurial's
``chg`` or Android's zygote, the ``mediation`` console script (:mod:`.client`,
standard library only) hands each desk command to a *command server*
(:mod:`.server`) that has imported everything once: the server forks a child,
the child takes the client's standard input, output and error (the descriptors
themselves, passed over a Unix socket), its arguments, environment, working
directory and umask, runs the command and exits; the client forwards signals
(Ctrl-C) to the child and exits with its status. What the command does and
prints is the same as in a process of its own; tests/launch/ runs commands both
ways and compares.

The server belongs to one user, one installation and one interpreter setting
(:mod:`.place`): its socket lies in a directory only that user can enter, and it
serves no other user (``SO_PEERCRED``). It is started in the background by the
first command that finds none (that command runs in its own process, as without
a server), stops after half an hour without a command, and stops when the
installation's files change. ``MEDIATION_SERVER=off`` runs every command in its
own process; ``mediation server status|start|stop`` manages it.

This package imports nothing from the rest of ``mediation``: the server runs the
entry point it is given by name (``mediation.cli:main``), as a console script's
loader does.
"""
