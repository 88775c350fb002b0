"""Business logic of branch life, one module per concern: who may see what (scope), planning,
the cadence checker, attendance and QR sign-in, calendars, the register, imports, reminders."""
