"""The statements a profiled piece of the app runs, counted and timed by their text: those SQLAlchemy executes
(its cursor events) and those app.common.dollar_sql runs on the driver's cursor, which fire no events."""

import collections
import time

from sqlalchemy import event


class StatementTimer:
    def __init__(self, engine):
        self.count = 0
        self.seconds = collections.Counter()  # by the statement's first 110 characters, blanks folded
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._time_dollar_statements()

    def clear(self):
        self.count = 0
        self.seconds.clear()

    def total(self) -> float:
        return sum(self.seconds.values())

    def _record(self, statement: str, seconds: float):
        self.count += 1
        self.seconds[" ".join(statement.split())[:110]] += seconds

    def _before(self, connection, cursor, statement, *more):
        connection.info["started"] = time.perf_counter()

    def _after(self, connection, cursor, statement, *more):
        self._record(statement, time.perf_counter() - connection.info["started"])

    def _time_dollar_statements(self):
        try:
            from app.common.dollar_sql import DollarStatement
        except ImportError:  # a checkout from before it (ROOT=...): every statement goes through SQLAlchemy
            return
        execute, record = DollarStatement.execute, self._record

        def timed(statement, *args, **kwargs):
            started = time.perf_counter()
            try:
                return execute(statement, *args, **kwargs)
            finally:
                record(statement.text, time.perf_counter() - started)

        DollarStatement.execute = timed
