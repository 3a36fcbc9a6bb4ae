"""The web console 控制台 for people: pages under ``/console`` calling the same ``/graphql``."""
