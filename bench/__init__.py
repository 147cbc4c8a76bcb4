"""`make bench`: synthetic city-scale data and hot-path latencies vs raw SQL."""
