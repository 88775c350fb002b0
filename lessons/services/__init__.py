"""Lessons business logic, one module per job: access (who may open what), filters (the index),
pages (the lesson page), progress (heartbeats), study_record (学习记录 and its export), privacy
(audience of pages and files), home (the home page section), imports (an archive into lessons)."""
