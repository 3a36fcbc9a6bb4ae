"""The demo city 演示城市 (``hub demo-data``), built only of department files and API calls.

- ``names``: what people, places and records are called;
- ``city``: the pure, deterministic generator (``generate(children, seed)`` → ``City``);
- ``exports``: the city as the seven department files of FORMATS.md, one school-status
  snapshot per school year;
- ``records``: what no file carries, through the kernel's recording services;
- ``load``: the order of it all, with a report per file and seconds per source;
- ``command``: the ``hub demo-data`` command.

Organisations with no file of their own: each county's expert committee is reference data
(``hub.reference.ensure_committees``, like regions and departments), as assessments name the
committee that made them. Resource centres come with the school register (a centre is hosted by
a school: the city's by the city special school, a county's by its special school, a township's
by a primary school), so the register has no centre level: ``level`` stays empty. Rehabilitation
institutions come with their sessions, the welfare institution with its welfare files; whether an
institution is designated 定点 is in no file and stays false. Resource rooms are the register's
有/无 (no teacher count).
"""
