"""The PostgreSQL compiler: SQL expressions, the serializer compiler, and the list/detail and CSV glue."""
