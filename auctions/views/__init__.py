"""Auction pages, one module per page family (create, detail, ...)."""
