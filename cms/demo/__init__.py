"""Demo content: the seed story and enough further stories to show lists, filters and paging."""
