"""Tools for the people who build and measure the hub 开发工具, not part of what it serves:
the benchmarks (``hub bench …``). Nothing of the product imports them; the shell registers
their commands."""
