"""OGC API Features (Parts 1, 2, 3) and OGC API Tiles over the serving engine."""
