"""tinykube scheduler: watches unbound pods, filters and scores nodes, binds (see app.py)."""
