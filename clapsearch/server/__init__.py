"""`clapsearch serve`: the JSON API and web page over one index, with the model and index loaded once.

create_app is in clapsearch.server.app; this package imports nothing itself, so the CLI's light path
(clapsearch.server.client) does not load FastAPI.
"""
