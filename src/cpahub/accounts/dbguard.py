"""Database triggers that make the security log append-only (等级保护: audit records protected).

Updates are always refused; deletes only of rows older than 180 days (the legal minimum), which is
what `cpahub prune_security_log` does; PostgreSQL also refuses TRUNCATE. The migration installs
them. The test profile leaves them out because Django's test flush empties every table; the tests
of the triggers install them inside a transaction of their own.
"""

SQL = {
    "sqlite": [
        """CREATE TRIGGER security_event_no_update BEFORE UPDATE ON accounts_securityevent
        BEGIN SELECT RAISE(ABORT, 'security log is append-only'); END""",
        """CREATE TRIGGER security_event_no_early_delete BEFORE DELETE ON accounts_securityevent
        WHEN julianday(OLD.time) > julianday('now', '-180 days')
        BEGIN SELECT RAISE(ABORT, 'security log rows are kept at least 180 days'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION security_event_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION 'security log is append-only';
            ELSIF TG_OP = 'TRUNCATE' THEN
                RAISE EXCEPTION 'security log cannot be truncated';
            ELSIF OLD.time > now() - interval '180 days' THEN
                RAISE EXCEPTION 'security log rows are kept at least 180 days';
            END IF;
            RETURN OLD;
        END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER security_event_guard BEFORE UPDATE OR DELETE ON accounts_securityevent
        FOR EACH ROW EXECUTE FUNCTION security_event_guard()""",
        """CREATE TRIGGER security_event_no_truncate BEFORE TRUNCATE ON accounts_securityevent
        FOR EACH STATEMENT EXECUTE FUNCTION security_event_guard()""",
    ],
}

REVERSE_SQL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS security_event_no_update",
        "DROP TRIGGER IF EXISTS security_event_no_early_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS security_event_no_truncate ON accounts_securityevent",
        "DROP TRIGGER IF EXISTS security_event_guard ON accounts_securityevent",
        "DROP FUNCTION IF EXISTS security_event_guard()",
    ],
}


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in SQL.get(connection.vendor, []):
            cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in REVERSE_SQL.get(connection.vendor, []):
            cursor.execute(statement)
