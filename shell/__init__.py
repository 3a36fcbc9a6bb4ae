"""The shell 外壳: the ASGI application and the ``hub`` command, the one place that wires every
folder of the hub together (data in: connectors; the kernel: hub; data out: schema, console;
the door: auth, audit). Nothing imports it."""
