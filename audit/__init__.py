"""The access audit log 访问审计日志: an event for every access, hash-chained and signed.

``events`` builds and hashes events, ``store`` writes them (fail closed, gap-free sequence),
``signing`` keeps the Ed25519 checkpoint key, ``verify`` checks a log or an archive, ``archive``
exports and retires old events, ``flags`` finds unusual access, ``http`` wires it to requests.
"""
