"""Chinese search: segmented indexing and querying, the results page."""
