"""Front-end pages of branch life, one module per job: desk, member (my sessions, leave), sessions,
attendance (marks, QR sign-in, leave decisions), planning, reports (register, cadence), calendars,
api. Every view checks scope on the server (services.scope; guards here)."""
