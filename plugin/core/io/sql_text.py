"""Names and values put into SQL text. Field and layer names come from the user's data and can
hold anything (quotes, ``--``, ``;``): every one that reaches SQL goes through here."""


def sql_identifier(name) -> str:
    """A table or column name quoted for SQLite / OGR SQL, whatever characters it holds."""
    text = str(name)
    if "\x00" in text:
        raise ValueError("SQL 名称中不能含有 NUL 字符")
    return '"' + text.replace('"', '""') + '"'


def sql_literal(value) -> str:
    """A text value quoted as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"
